// The fixed training corpus: the manifest's files, split into train and dev, decoded to RGB.
#pragma once

#include <string>
#include <vector>

#include "bsq/image.h"
#include "bsq/status.h"

namespace bsq::train {

struct CorpusImage {
  std::string name;  // path inside its package
  Image image;
};

struct Corpus {
  std::vector<CorpusImage> train, dev;
};

// Reads `manifest` (split, package, path) and decodes every still image found under
// corpus_dir/package/path. Videos (.avi, .mp4, ...) are skipped: the image model ignores them.
// A missing file is an error that names it and says how to fetch the corpus.
StatusOr<Corpus> load_corpus(const std::string& manifest, const std::string& corpus_dir);

}  // namespace bsq::train

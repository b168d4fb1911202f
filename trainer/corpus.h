// The fixed training corpus: the manifest's files, split into train and dev, decoded to RGB.
#pragma once

#include <string>
#include <vector>

#include "bsq/image.h"
#include "bsq/status.h"
#include "manifest.h"

namespace bsq::train {

struct CorpusImage {
  std::string name;  // path inside its package
  Image image;
};

struct Corpus {
  std::vector<CorpusImage> train, dev;
};

enum class CorpusSplits { kTrainAndDev, kDevOnly };

// Reads `manifest` (split, package, path) and decodes every still image found under
// corpus_dir/package/path. Videos (is_video_path) are skipped: the image model ignores them.
// kDevOnly reads the dev split alone (evaluation; the tests fetch only that split).
// A missing file is an error that names it and says how to fetch the corpus.
StatusOr<Corpus> load_corpus(const std::string& manifest, const std::string& corpus_dir,
                             CorpusSplits splits = CorpusSplits::kTrainAndDev);

}  // namespace bsq::train

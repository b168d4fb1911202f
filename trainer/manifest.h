// The corpus manifest (data/manifest.tsv): one file per line, "split<TAB>package<TAB>path", where
// split is train or dev and the file lies at CORPUS_DIR/package/path. Read by the trainer and the
// token-statistics bench; scripts/corpus_files.sh is its shell reader. No LibTorch, no FFmpeg.
#pragma once

#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::train {

struct ManifestEntry {
  std::string split;    // "train" or "dev"
  std::string package;  // Debian package the file comes from
  std::string path;     // inside the package
};

// Every entry, in file order; blank lines and lines starting with '#' are skipped. kIoError when
// the file cannot be read, kInvalidData naming the line of a malformed entry or an unknown split.
StatusOr<std::vector<ManifestEntry>> read_manifest(const std::string& manifest);

// Whether a manifest path is a video clip (by its extension, in any case); image training and
// evaluation skip them. scripts/corpus_files.sh lists the same extensions.
bool is_video_path(const std::string& path);

}  // namespace bsq::train

// An output file that appears whole or not at all: written under a temporary name beside its path,
// moved into place by commit(), removed when dropped uncommitted. For streams written by a muxer
// frame after frame, where core/atomic_file's one-buffer write does not fit.
#pragma once

#include <string>

#include "bsq/status.h"

namespace bsq::media::detail {

class StagedFile {
 public:
  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();  // removes the temporary file unless committed

  // Creates an empty, unique temporary file "PATH.tmp-<random hex>". Without `overwrite`, fails when
  // `path` exists. The message of an error does not name the file.
  Status create(const std::string& path, bool overwrite);
  const std::string& temp_path() const { return temp_; }

  // Flushes the temporary file to the disk and moves it to the path; without `overwrite`, refuses
  // (and keeps nothing) if a file appeared at the path meanwhile.
  Status commit();

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool overwrite_ = false;
};

}  // namespace bsq::media::detail

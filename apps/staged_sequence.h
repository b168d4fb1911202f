// A numbered image sequence (frame%04d.png) that appears whole or not at all: the frames are
// written into a hidden directory beside them and moved into place by commit(). Files are written
// by media::VideoWriter; this only chooses where and moves them.
#pragma once

#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::cli {

// Whether `path` names a sequence for media::VideoWriter: it holds a % conversion (not just %%).
bool is_sequence_pattern(const std::string& path);

class StagedSequence {
 public:
  // Creates the hidden directory beside `pattern`.
  static StatusOr<StagedSequence> open(const std::string& pattern, bool overwrite);
  StagedSequence(StagedSequence&& other) noexcept;
  StagedSequence& operator=(StagedSequence&&) = delete;
  StagedSequence(const StagedSequence&) = delete;
  ~StagedSequence();  // without commit(): removes the directory and what is in it

  // The pattern to give the writer: the same name, in the hidden directory.
  const std::string& write_pattern() const { return write_pattern_; }
  // Moves every frame beside the pattern. Without overwrite an existing frame file is an error, and
  // then none of the new frames stays.
  Status commit();

 private:
  StagedSequence() = default;
  std::string dir_, staging_, write_pattern_;
  bool overwrite_ = false;
};

}  // namespace bsq::cli

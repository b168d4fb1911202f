// Files that are replaced whole or not at all: what the trainer's checkpoints and model exports
// need, so that a process killed at any moment (kill -9, a session that ends, power) leaves the
// previous file or the new one, never a part of either. Internal: not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq {

// Writes `bytes` to PATH.tmp, flushes it to the disk, renames it over `path` and flushes the
// directory. On failure PATH.tmp is removed and `path` is as it was. `what` names the file in
// messages: "cannot write checkpoint 'run/checkpoint.pt': No space left on device".
Status write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes, const std::string& what);

}  // namespace bsq

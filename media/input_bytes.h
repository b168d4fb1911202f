// Whole-file input: images are decoded from memory, so files and stdin are read fully first (capped).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::media::detail {

// Reads a file (or FIFO) completely; refuses directories and anything over kMaxInputBytes.
StatusOr<std::vector<uint8_t>> read_file_bytes(const std::string& path);

// Reads stdin to its end, with the same cap.
StatusOr<std::vector<uint8_t>> read_stdin_bytes();

}  // namespace bsq::media::detail

// bsqdec --info: what a .bsq stream holds (bsq::inspect_stream), as text or JSON; no model needed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::cli {

// Validates the whole stream (man/bsq.5) and prints its description on stdout. `name` labels it.
// A stream that does not parse gives the reader's status (kInvalidData, kUnsupported) and prints nothing.
Status print_stream_info(const std::string& name, const std::vector<uint8_t>& bytes, bool json);

}  // namespace bsq::cli

// Reader of flat JSON objects ({"key": "text", "n": 42, "flag": true}): the token sidecar of
// bsqdec --from-tokens. Nested objects, arrays and fractional numbers are refused. Standard library
// and fmt only, so it can be tested and fuzzed alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bsq/status.h"

namespace bsq::cli {

struct JsonScalar {
  enum class Kind { kString, kInteger, kBoolean, kNull } kind = Kind::kNull;
  std::string text;      // kString
  int64_t integer = 0;   // kInteger
  bool boolean = false;  // kBoolean
};

// Bound on the text the reader takes: a sidecar is a few hundred bytes.
constexpr size_t kMaxFlatJsonBytes = size_t{1} << 16;

// kInvalidData with the byte offset of the first problem; repeated keys are refused too.
StatusOr<std::map<std::string, JsonScalar>> parse_flat_json(std::string_view text);

}  // namespace bsq::cli

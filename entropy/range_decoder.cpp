// Range decoder: start-up (the hot path is inline in the header).
#include "range_decoder.h"

namespace bsq::entropy {

RangeDecoder::RangeDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {
  // The encoder drops its first byte (always 0), so the code register starts at the next four.
  for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | next_byte();
}

}  // namespace bsq::entropy

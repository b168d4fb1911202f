// Range encoder: byte output with carry propagation, and the short flush.
#include "range_encoder.h"

namespace bsq::entropy {

void RangeEncoder::shift_low() {
  // The top byte of low_ is final unless it is 0xFF with no carry out yet: then a later carry
  // could still turn it into 0x00 and increment the cached byte, so it joins the pending run.
  if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
    const uint8_t carry = static_cast<uint8_t>(low_ >> 32);
    uint8_t byte = cache_;
    do {
      out_.push_back(static_cast<uint8_t>(byte + carry));
      byte = 0xFF;
    } while (--cache_size_ != 0);
    cache_ = static_cast<uint8_t>(low_ >> 24);
  }
  ++cache_size_;
  low_ = (low_ & 0x00FFFFFFu) << 8;
}

std::vector<uint8_t> RangeEncoder::finish() {
  // Any value in [low, low + range) identifies the stream. range >= 2^24, so the interval holds a
  // multiple of 2^24: pick it, and its three low bytes are zeros the decoder supplies itself.
  low_ = (low_ + 0x00FFFFFFu) & ~static_cast<uint64_t>(0x00FFFFFFu);
  shift_low();  // writes the cached byte (with any carry) and the pending run
  shift_low();  // writes the top byte of the chosen value
  // The very first byte written is the initial cache, always 0 (the interval starts below 1.0,
  // so no carry can reach it); the decoder does not read it.
  std::vector<uint8_t> bytes(out_.begin() + 1, out_.end());
  *this = RangeEncoder();
  return bytes;
}

}  // namespace bsq::entropy

// Binary range decoder, the mirror of RangeEncoder; safe on truncated or garbage input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "range_encoder.h"

namespace bsq::entropy {

class RangeDecoder {
 public:
  // Does not copy: data must outlive the decoder. data may be null when size is 0.
  RangeDecoder(const uint8_t* data, size_t size);

  // Decodes one binary decision coded with the same p1 (clamped the same way as the encoder).
  // On damaged input this returns arbitrary bits but never reads outside [data, data + size).
  int decode(uint32_t p1) {
    p1 = p1 < 1 ? 1 : (p1 > kProbOne - 1 ? kProbOne - 1 : p1);
    const uint32_t bound = static_cast<uint32_t>((static_cast<uint64_t>(range_) * p1) >> kProbBits);
    const int bit = code_ < bound;  // branch-free, as in the encoder
    code_ -= bit ? 0 : bound;
    range_ = bit ? bound : range_ - bound;
    while (range_ < kTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | next_byte();
    }
    return bit;
  }

  // True once the decoder has needed bytes beyond the stream's end plus the implicit zero tail:
  // the stream was truncated (or the caller decoded more decisions than were coded).
  bool overrun() const { return pos_ > size_ + kDecoderTailBytes; }
  // True when a valid stream has been decoded to its end: every byte used, nothing beyond.
  // A stream with trailing bytes or a truncated one is not at its end after its last decision.
  bool at_end() const { return pos_ == size_ + kDecoderTailBytes; }
  // A valid stream keeps code < range; garbage may break this (decoding still terminates).
  bool consistent() const { return code_ < range_; }

 private:
  static constexpr uint32_t kTop = 1u << 24;
  uint32_t next_byte() {
    const size_t at = pos_++;  // counts past the end too, so overrun() can tell how far
    return at < size_ ? data_[at] : 0;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  uint32_t code_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace bsq::entropy

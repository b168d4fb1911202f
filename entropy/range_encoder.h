// Binary range encoder: integer arithmetic, carry propagation, 16-bit probabilities.
//
// Usage:
//   bsq::entropy::RangeEncoder enc;
//   enc.encode(bit, p1);               // p1 = P(bit == 1) * 65536, in [1, 65535]
//   std::vector<uint8_t> bytes = enc.finish();
//   bsq::entropy::RangeDecoder dec(bytes.data(), bytes.size());
//   int bit = dec.decode(p1);          // the same p1 sequence gives back the same bits
//
// The interval is [low, low + range) with a 32-bit range kept >= 2^24, so a probability of
// 1/65536 still gets >= 256 code values. The split floor(range * p1 / 65536) is a 64-bit product,
// off by less than one code value: on 10^6 decisions the output is within a byte of the ideal
// code length (tests/test_entropy.cpp). Bytes that may still receive a carry are held back as one
// cached byte plus a run of 0xFF bytes (the LZMA scheme); the stream ends with 1 or 2 bytes of flush.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bsq::entropy {

// Probabilities given to the coders are P(bit == 1) in units of 1/65536.
inline constexpr int kProbBits = 16;
inline constexpr uint32_t kProbOne = 1u << kProbBits;
// After finish() the decoder reads exactly this many bytes past the end of a valid stream
// (they are zeros the encoder chose not to write); see RangeDecoder::overrun().
inline constexpr size_t kDecoderTailBytes = 3;

class RangeEncoder {
 public:
  RangeEncoder() = default;

  // Codes one binary decision. p1 must be in [1, 65535]; it is clamped there, never trusted.
  void encode(int bit, uint32_t p1) {
    p1 = p1 < 1 ? 1 : (p1 > kProbOne - 1 ? kProbOne - 1 : p1);
    const uint32_t bound = static_cast<uint32_t>((static_cast<uint64_t>(range_) * p1) >> kProbBits);
    // Branch-free: the bit is as good as random whenever the model is good, so a branch on it
    // would be mispredicted about as often as it is taken.
    const uint32_t zero = static_cast<uint32_t>(bit == 0);
    low_ += bound & (0u - zero);
    range_ = zero ? range_ - bound : bound;
    while (range_ < kTop) {  // at most 2 rounds: both sub-ranges are >= 2^8 (see above)
      range_ <<= 8;
      shift_low();
    }
  }

  // Ends the stream and returns its bytes; the encoder is then reset to empty.
  std::vector<uint8_t> finish();

 private:
  static constexpr uint32_t kTop = 1u << 24;
  void shift_low();

  uint64_t low_ = 0;  // 33 bits used: bit 32 is a carry into the cached byte
  uint32_t range_ = 0xFFFFFFFFu;
  uint8_t cache_ = 0;        // the last byte out of low_, not yet written (may get a carry)
  uint64_t cache_size_ = 1;  // cached byte plus the 0xFF bytes that follow it
  std::vector<uint8_t> out_;
};

}  // namespace bsq::entropy

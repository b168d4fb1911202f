// Adaptive probability counter: what one context slot knows about its next bit.
#pragma once

#include <array>
#include <cstdint>

namespace bsq::entropy {

namespace counter_detail {
// 65536 / (n + 1.5) = 131072 / (2n + 3), rounded, for every count a 10-bit field can hold.
constexpr std::array<uint16_t, 1024> make_reciprocals() {
  std::array<uint16_t, 1024> r{};
  for (uint32_t n = 0; n < 1024; ++n) r[n] = static_cast<uint16_t>((131072 + n + 1) / (2 * n + 3));
  return r;
}
inline constexpr std::array<uint16_t, 1024> kReciprocal = make_reciprocals();
}  // namespace counter_detail

// P(1), moved toward each bit by 1/(n + 1.5) where n counts the bits seen, up to kLimit: the
// first bits of a context move it quickly (a small image gives each slot only tens of samples),
// later ones average over a window of ~kLimit bits, or a shorter one the caller gives. The window
// length was measured: on image proxies 60 suited slightly better, 1023 stationary grids, 255
// within 0.3% of either; on real tokens, whose statistics drift across a picture, 30 codes 0.5%
// smaller than 255 (the prior's revision 2 uses it; entropy/README.md).
// (A second, fixed-rate 1/16 counter per slot as an extra mixer input was measured too: it cost
// up to 2% on small grids, more inputs making the mixer noisier, and gained nothing elsewhere.)
// State: 22-bit probability and 10-bit count in one word; the rate comes from a table of
// reciprocals, so no division runs per bit.
class AdaptiveCounter {
 public:
  static constexpr uint32_t kLimit = 255;

  uint32_t p16() const { return state_ >> 16; }  // P(1) * 65536, in [0, 65535]

  // `window`: the count's cap, kLimit or less (a shorter window follows a changing context faster).
  void update(int bit, uint32_t window = kLimit) {
    const uint32_t n = state_ & 1023;
    const int64_t p22 = state_ >> 10;
    const int64_t target = static_cast<int64_t>(bit) << 22;
    // Rounds toward -infinity, so p stays in [0, 2^22): the step never overshoots the target.
    const int64_t step = ((target - p22) * counter_detail::kReciprocal[n]) >> 16;
    state_ = static_cast<uint32_t>(((p22 + step) << 10) | (n < window ? n + 1 : n));
  }

 private:
  uint32_t state_ = 1u << 31;  // P = 1/2, n = 0
};

}  // namespace bsq::entropy

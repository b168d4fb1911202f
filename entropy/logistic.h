// Fixed-point logistic functions: squash (log-odds -> probability) and stretch (its inverse).
//
// The log-odds domain is in units of 1/256 nat, clamped to +-kStretchMax; probabilities are
// P(1) * 65536. Both tables are built at compile time from integer arithmetic on a constant knot
// table, so every compiler and machine holds the same bits (computing them with std::exp/std::log
// would not guarantee that: libm results differ in the last place between platforms).
#pragma once

#include <array>
#include <cstdint>

namespace bsq::entropy {

inline constexpr int kStretchMax = 3071;      // 12 nats: past P = 1/65536, the coder's finest step
inline constexpr int kStretchBuckets = 4096;  // stretch() resolves p to 1/4096

namespace logistic_detail {

// 2^20 / (1 + e^(-x/256)) for x = -3072, -3008, ..., 0 (rounded); the positive half follows
// from squash(x) = 1 - squash(-x). Linear interpolation between knots 1/4 nat apart stays within
// 1% of the true value for P >= 1/256 (4% down to P = 1/4096); the mixer learns around whatever
// curve this is, and what matters is that it is the same everywhere.
inline constexpr int32_t kKnots[49] = {6,      8,      11,     14,     18,     22,     29,     37,     48,    61,
                                       78,     101,    129,    166,    213,    274,    352,    451,    580,   744,
                                       955,    1226,   1574,   2020,   2593,   3327,   4268,   5474,   7018,  8994,
                                       11521,  14747,  18860,  24094,  30736,  39140,  49730,  63005,  79543, 99981,
                                       124993, 155239, 191287, 233518, 282006, 336406, 395880, 459091, 524288};

// squash for x in [-3072, 0], in units of 2^-20.
constexpr int32_t squash_negative_q20(int x) {
  const int offset = x + 3072;  // 0 .. 3072
  const int j = offset >> 6, frac = offset & 63;
  if (j >= 48) return kKnots[48];
  return kKnots[j] + (((kKnots[j + 1] - kKnots[j]) * frac + 32) >> 6);
}

constexpr std::array<uint16_t, 2 * kStretchMax + 1> make_squash() {
  std::array<uint16_t, 2 * kStretchMax + 1> t{};
  for (int x = -kStretchMax; x <= 0; ++x) {
    int32_t p = (squash_negative_q20(x) + 8) >> 4;  // to 1/65536
    if (p < 1) p = 1;
    t[x + kStretchMax] = static_cast<uint16_t>(p);
    t[kStretchMax - x] = static_cast<uint16_t>(65536 - p);  // exact antisymmetry
  }
  return t;
}

inline constexpr std::array<uint16_t, 2 * kStretchMax + 1> kSquash = make_squash();

// stretch of bucket k (probabilities [16k, 16k + 16)) = the smallest x with squash(x) >= the
// bucket's centre: the inverse of the table above, found by one merge-like walk.
constexpr std::array<int16_t, kStretchBuckets> make_stretch() {
  std::array<int16_t, kStretchBuckets> t{};
  int x = -kStretchMax;
  for (int k = 0; k < kStretchBuckets; ++k) {
    const int centre = 16 * k + 8;
    while (x < kStretchMax && kSquash[x + kStretchMax] < centre) ++x;
    t[k] = static_cast<int16_t>(x);
  }
  return t;
}

inline constexpr std::array<int16_t, kStretchBuckets> kStretch = make_stretch();

}  // namespace logistic_detail

// P(1) * 65536 in [1, 65535] for log-odds x (1/256 nat), clamped to the table's domain.
inline uint32_t squash(int x) {
  x = x < -kStretchMax ? -kStretchMax : (x > kStretchMax ? kStretchMax : x);
  return logistic_detail::kSquash[x + kStretchMax];
}

// Log-odds (1/256 nat) of a probability p16 = P(1) * 65536 in [0, 65535].
inline int stretch(uint32_t p16) { return logistic_detail::kStretch[p16 >> 4]; }

}  // namespace bsq::entropy

// The adaptive context model over the bits of BSQ tokens: P(bit i of this token = 1).
//
// Usage, for every token in coding order (token_coder.cpp does this):
//   prior.begin_token(neighbours);
//   for (int i = 0; i < bits; ++i) { p1 = prior.predict(i); /* code the bit with p1 */ prior.update(bit); }
//   prior.end_token();
//
// Five adaptive tables each give a probability for the bit from one context; a logistic mixer
// combines them. All state is integer, so encoder and decoder compute the same probabilities on
// every machine. The hot path is inline here: it runs once per binary decision.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "channel_pairs.h"
#include "counters.h"
#include "mixer.h"

namespace bsq::entropy {

// Tokens already coded around the current one. token_coder.cpp fills in stand-ins at the borders.
struct Neighbours {
  uint64_t left = 0, above = 0, above_left = 0, above_right = 0;
  uint64_t left2 = 0, above2 = 0;  // two to the left, two rows up
  uint64_t previous_frame = 0;     // the co-located token of the previous frame
  bool has_previous_frame = false;
};

class BitPrior {
 public:
  explicit BitPrior(int bits);

  void begin_token(const Neighbours& n);
  inline uint32_t predict(int i);  // P(1) * 65536, in [1, 65535]
  inline void update(int bit);
  // `complete`: every bit of the token was coded. A token cut short (per-window bit counts,
  // token_coder.h) is left out of the channel-pair statistics, whose counts assume all bits.
  void end_token(bool complete = true);

 private:
  // Contexts, each a table per bit index i (the channels have their own statistics):
  static constexpr int kSpatial = 128;  // bit i of the 7 neighbours
  static constexpr int kHistory = 32;   // the previous 3 bits of this token; bit i of left, above
  static constexpr int kNearest = 80;   // bit i of the neighbour closest so far, its distance, how many agree
  static constexpr int kPartner = 64;   // the bits of the 4 partner channels (ChannelPairs); left, above
  static constexpr int kBlock = kSpatial + kHistory + kNearest + kPartner;
  static constexpr int kTables = 5;            // the four above, and kSpatial shared by all bit indices
  static constexpr int kInputs = kTables + 1;  // + a bias

  // Neighbours whose distance (bits differing so far) to the current token is tracked.
  static constexpr int kCompared = 5;
  static constexpr int kNoFrame = 1 << 20;  // a distance no real neighbour reaches

  std::vector<AdaptiveCounter> per_bit_;  // kBlock counters per bit index
  std::vector<AdaptiveCounter> shared_;   // kSpatial counters for all bit indices: learns fast
  Mixer<kInputs> mixer_;                  // one weight set per bit index
  ChannelPairs pairs_;
  int tokens_ = 0;
  int mixer_rate_ = 0;

  // The current token.
  Neighbours n_;
  uint64_t coded_ = 0;  // bits coded so far
  int bit_index_ = 0;
  uint64_t compared_[kCompared] = {};  // left, above, above-left, above-right, previous frame
  int distance_[kCompared] = {};       // 8 * (earlier bits that differ from compared_[k]) + k
  AdaptiveCounter* slots_[kTables] = {};
  int32_t inputs_[kInputs] = {};
};

namespace bit_prior_detail {
// Distance to the nearest neighbour so far, in 8 buckets: every difference counts while the
// token still looks like a copy, beyond that only the order of magnitude.
inline constexpr uint8_t kDistanceBucket[17] = {0, 1, 2, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7};
}  // namespace bit_prior_detail

uint32_t BitPrior::predict(int i) {
  bit_index_ = i;
  const uint32_t l = (n_.left >> i) & 1, a = (n_.above >> i) & 1, al = (n_.above_left >> i) & 1,
                 ar = (n_.above_right >> i) & 1, p = (n_.previous_frame >> i) & 1;
  const uint32_t spatial =
      l | a << 1 | al << 2 | ar << 3 | p << 4 | ((n_.left2 >> i) & 1) << 5 | ((n_.above2 >> i) & 1) << 6;
  const uint32_t history = static_cast<uint32_t>((coded_ << 3) >> i) & 7;  // bits i-1, i-2, i-3

  // The neighbour that has matched this token best so far (the first one on ties): a minimum over
  // distance * 8 + k, which compiles to conditional moves, not to unpredictable branches.
  const int closest =
      std::min(std::min(std::min(distance_[0], distance_[1]), std::min(distance_[2], distance_[3])), distance_[4]);
  const int nearest = closest & 7;
  const int distance = std::min(closest >> 3, 16);
  const uint32_t guess = static_cast<uint32_t>(compared_[nearest] >> i) & 1;
  const uint32_t agreeing = (l == guess) + (a == guess) + (al == guess) + (ar == guess);

  AdaptiveCounter* block = &per_bit_[static_cast<size_t>(i) * kBlock];
  slots_[0] = block + spatial;
  slots_[1] = block + kSpatial + (history | l << 3 | a << 4);
  slots_[2] = block + kSpatial + kHistory + (guess | (bit_prior_detail::kDistanceBucket[distance] + 8 * agreeing) << 1);
  slots_[3] = block + kSpatial + kHistory + kNearest + (pairs_.context(i, coded_) | l << 4 | a << 5);
  slots_[4] = &shared_[spatial];
  for (int t = 0; t < kTables; ++t) inputs_[t] = stretch(slots_[t]->p16());
  inputs_[kTables] = 256;  // bias: lets the mixer learn a per-bit-index offset
  return mixer_.mix(inputs_, i);
}

void BitPrior::update(int bit) {
  for (int t = 0; t < kTables; ++t) slots_[t]->update(bit);
  mixer_.update(bit, mixer_rate_);
  const int i = bit_index_;
  const uint64_t b = static_cast<uint64_t>(bit);
  coded_ |= b << i;
  for (int k = 0; k < kCompared; ++k) distance_[k] += static_cast<int>(((compared_[k] >> i) ^ b) & 1) << 3;
}

}  // namespace bsq::entropy

// The adaptive context model over the bits of BSQ tokens: P(bit i of this token = 1).
//
// Usage, for every token in coding order (token_coder.cpp does this):
//   prior.begin_token(neighbours);
//   for (int i = 0; i < bits; ++i) { p1 = prior.predict(i); /* code the bit with p1 */ prior.update(bit); }
//   prior.end_token();
//
// Adaptive tables each give a probability for the bit from one context; a logistic mixer combines
// them and, from revision 2 on, an adaptive probability map refines the mix. All state is integer,
// so encoder and decoder compute the same probabilities on every machine. The hot path is inline
// here: it runs once per binary decision.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "channel_pairs.h"
#include "counters.h"
#include "mixer.h"
#include "prior_revision.h"

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
  // `revision`: one is_prior_revision() accepts (prior_revision.h).
  BitPrior(int bits, int revision);

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
  // Revision 2 adds (README.md):
  static constexpr int kSurround = 1024;      // bit i of 4 neighbours, the nearest's, bits i-1, i-2, distance
  static constexpr int kPartnerMatch = 1024;  // bit i of 4 neighbours, left / above match on the partners, partners
  static constexpr int kBlock = kSpatial + kHistory + kNearest + kPartner;
  static constexpr int kBlock2 = kBlock + kSurround + kPartnerMatch;
  static constexpr int kTables = 7;            // the four, kSpatial shared by all bit indices, the two of revision 2
  static constexpr int kTables1 = 5;           // those of revision 1
  static constexpr int kInputs = kTables + 1;  // + a bias; revision 1 leaves its two inputs 0
  static constexpr int kMixerSets = 3;     // per bit index: the nearest neighbour matches so far, differs in 1, in more
  static constexpr int kMapContexts = 16;  // per bit index: bits i-1..i-3, the nearest's bit i
  static constexpr int kMapKnots = 33;     // over the mix's log-odds, kMapStep apart
  static constexpr int kMapStep = 192;
  static constexpr uint32_t kCounterWindow1 = 255, kCounterWindow2 = 30;

  // Neighbours whose distance (bits differing so far) to the current token is tracked.
  static constexpr int kCompared = 5;
  static constexpr int kNoFrame = 1 << 20;  // a distance no real neighbour reaches

  bool revised_;                          // revision 2
  int tables_;                            // kTables1 or kTables
  uint32_t window_;                       // the counters' window
  std::vector<AdaptiveCounter> per_bit_;  // kBlock or kBlock2 counters per bit index
  std::vector<AdaptiveCounter> shared_;   // kSpatial counters for all bit indices: learns fast
  Mixer<kInputs> mixer_;                  // kMixerSets weight sets per bit index (revision 1 uses the first)
  ChannelPairs pairs_;
  std::vector<uint32_t> map_;  // revision 2: kMapContexts * kMapKnots per bit index, P(1) * 2^22
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
  uint32_t* knot_ = nullptr;  // the map's knot below the mix, and the weight of the one above
  int knot_weight_ = 0;
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

  const int bucket = bit_prior_detail::kDistanceBucket[distance];
  AdaptiveCounter* block = &per_bit_[static_cast<size_t>(i) * (revised_ ? kBlock2 : kBlock)];
  slots_[0] = block + spatial;
  slots_[1] = block + kSpatial + (history | l << 3 | a << 4);
  slots_[2] = block + kSpatial + kHistory + (guess | (bucket + 8 * agreeing) << 1);
  const uint32_t partners = pairs_.context(i, coded_);
  slots_[3] = block + kSpatial + kHistory + kNearest + (partners | l << 4 | a << 5);
  slots_[4] = &shared_[spatial];
  for (int t = 0; t < kTables1; ++t) inputs_[t] = stretch(slots_[t]->p16());
  inputs_[kTables] = 256;  // bias: lets the mixer learn a per-bit-index offset
  if (!revised_) return mixer_.mix(inputs_, i * kMixerSets);

  const uint32_t four = l | a << 1 | al << 2 | ar << 3;
  const uint32_t match_left = partners == pairs_.context(i, n_.left);
  const uint32_t match_above = partners == pairs_.context(i, n_.above);
  slots_[5] = block + kBlock + (four | guess << 4 | (history & 3) << 5 | static_cast<uint32_t>(bucket) << 7);
  slots_[6] = block + kBlock + kSurround + (four | match_left << 4 | match_above << 5 | partners << 6);
  for (int t = kTables1; t < kTables; ++t) inputs_[t] = stretch(slots_[t]->p16());
  const uint32_t mixed = mixer_.mix(inputs_, i * kMixerSets + std::min(distance, kMixerSets - 1));

  // The map: P(1) learnt for each region of the mix's log-odds, by linear interpolation between
  // knots, in a small context; the mean of the two is coded.
  const int x = std::clamp(stretch(mixed), -kStretchMax, kStretchMax) + kMapStep * (kMapKnots / 2);
  knot_weight_ = x % kMapStep;
  knot_ = &map_[(static_cast<size_t>(i) * kMapContexts + (history << 1 | guess)) * kMapKnots + x / kMapStep];
  const uint64_t mapped =
      (static_cast<uint64_t>(knot_[0]) * (kMapStep - knot_weight_) + static_cast<uint64_t>(knot_[1]) * knot_weight_) /
      kMapStep;
  return std::clamp<uint32_t>((mixed + static_cast<uint32_t>(mapped >> 6)) >> 1, 1, 65535);
}

void BitPrior::update(int bit) {
  for (int t = 0; t < tables_; ++t) slots_[t]->update(bit, window_);
  mixer_.update(bit, mixer_rate_);
  if (revised_) {
    // Both knots move towards the bit by 1/64 of the way, each in proportion to its weight.
    const int32_t target = bit << 22;
    const auto move = [&](uint32_t& knot, int weight) {
      knot = static_cast<uint32_t>(static_cast<int32_t>(knot) +
                                   ((target - static_cast<int32_t>(knot)) >> 6) * weight / kMapStep);
    };
    move(knot_[0], kMapStep - knot_weight_);
    move(knot_[1], knot_weight_);
  }
  const int i = bit_index_;
  const uint64_t b = static_cast<uint64_t>(bit);
  coded_ |= b << i;
  for (int k = 0; k < kCompared; ++k) distance_[k] += static_cast<int>(((compared_[k] >> i) ^ b) & 1) << 3;
}

}  // namespace bsq::entropy

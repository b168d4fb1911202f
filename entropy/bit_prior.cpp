// The bit prior's per-token bookkeeping: neighbours in, learning rates, channel statistics out.
#include "bit_prior.h"

namespace bsq::entropy {

namespace {
// Mixer learning rate: kFinalRate + kBoost * kHalfLife / (kHalfLife + tokens coded). Large steps
// while the weights are still far off (small images end soon), small ones once they have
// settled, so that noise in the error does not keep shaking them.
constexpr int kFinalRate = 3;
constexpr int kBoost = 12;
constexpr int kHalfLife = 1024;  // tokens
}  // namespace

BitPrior::BitPrior(int bits, int revision)
    : revised_(revision >= 2),
      tables_(revised_ ? kTables : kTables1),
      window_(revised_ ? kCounterWindow2 : kCounterWindow1),
      per_bit_(static_cast<size_t>(bits) * (revised_ ? kBlock2 : kBlock)),
      shared_(kSpatial),
      mixer_(bits * kMixerSets),
      pairs_(bits) {
  if (!revised_) return;
  // Each knot starts at the identity: P(1) = the mix's own at that log-odds.
  map_.resize(static_cast<size_t>(bits) * kMapContexts * kMapKnots);
  for (size_t k = 0; k < map_.size(); ++k)
    map_[k] = squash(static_cast<int>(k % kMapKnots) * kMapStep - kMapStep * (kMapKnots / 2)) << 6;
}

void BitPrior::begin_token(const Neighbours& n) {
  n_ = n;
  coded_ = 0;
  const uint64_t compared[kCompared] = {n.left, n.above, n.above_left, n.above_right, n.previous_frame};
  for (int k = 0; k < kCompared; ++k) compared_[k] = compared[k];
  for (int k = 0; k < kCompared; ++k) distance_[k] = k;
  if (!n.has_previous_frame) distance_[4] = kNoFrame;
  mixer_rate_ = kFinalRate + kBoost * kHalfLife / (kHalfLife + tokens_);
}

void BitPrior::end_token(bool complete) {
  if (complete) pairs_.observe(coded_);
  if (tokens_ < (1 << 30)) ++tokens_;
}

}  // namespace bsq::entropy

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

BitPrior::BitPrior(int bits)
    : per_bit_(static_cast<size_t>(bits) * kBlock), shared_(kSpatial), mixer_(bits), pairs_(bits) {}

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

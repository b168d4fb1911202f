// Learning-rate and quantisation-hardness schedules: pure functions of the step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "train_options.h"

namespace bsq::train {

// Linear warm-up to lr, then cosine decay to lr * min_lr_ratio at the last step.
inline double learning_rate(const TrainOptions& o, int64_t step) {
  if (step < o.warmup) return o.lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup);
  const double span = std::max<int64_t>(1, o.steps - o.warmup);
  const double t = std::min(1.0, static_cast<double>(step - o.warmup) / span);
  const double floor = o.lr * o.min_lr_ratio;
  return floor + (o.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * t));
}

// 0 = continuous bottleneck, 1 = binary codes.
inline double quantizer_hardness(const TrainOptions& o, int64_t step) {
  if (step < o.continuous_steps) return 0.0;
  if (o.ramp_steps <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(step - o.continuous_steps + 1) / static_cast<double>(o.ramp_steps));
}

// Nested bits: how many leading bits the whole batch of this step keeps, uniform over
// lowest_bits..bits. (Uniform in k rather than in log k: the high rates, where the last bits add
// the least and a codec competes with the best, get as many steps as the low ones.) One k per
// step, not per crop, so that --loss log-mse can balance rates without reweighting the crops of
// one batch against each other. A function of seed and step, so resumed runs repeat it. A
// fixed-rate model always keeps all its bits.
inline int64_t kept_bits(const TrainOptions& o, int64_t step) {
  const ModelConfig& m = o.model;
  if (!m.scalable()) return m.bits;
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step) + 1);
  return std::uniform_int_distribution<int64_t>(m.lowest_bits(), m.bits)(rng);
}

}  // namespace bsq::train

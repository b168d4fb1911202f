// Learning-rate and quantisation-hardness schedules: pure functions of the step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

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

}  // namespace bsq::train

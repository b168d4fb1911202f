// Logistic mixing in fixed point: a learned weighted sum of log-odds, squashed to a probability.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "logistic.h"

namespace bsq::entropy {

// Combines N predictions given as log-odds (1/256 nat) with one of `sets` weight vectors; the
// caller picks the set from a small context. The last input is meant for a constant (a bias).
// Online gradient descent on coding cost: for logistic mixing the gradient of -log p(bit) with
// respect to w_j is (bit - p) * x_j, so the update needs no division and no floating point.
template <int N>
class Mixer {
 public:
  explicit Mixer(int sets) : weights_(static_cast<size_t>(sets) * N, kInitialWeight) {
    for (size_t k = N - 1; k < weights_.size(); k += N) weights_[k] = 0;  // no bias until one is learned
  }

  // P(1) * 65536 for the inputs x[0..N) (kept by pointer until update()).
  uint32_t mix(const int32_t* x, int set) {
    x_ = x;
    w_ = &weights_[static_cast<size_t>(set) * N];
    // Two partial sums halve the chain of dependent adds (this sits on the decoder's critical path).
    int64_t even = 0, odd = 0;
    for (int j = 0; j + 1 < N; j += 2) {
      even += static_cast<int64_t>(w_[j]) * x[j];
      odd += static_cast<int64_t>(w_[j + 1]) * x[j + 1];
    }
    if (N % 2) even += static_cast<int64_t>(w_[N - 1]) * x[N - 1];
    int s = static_cast<int>((even + odd) >> 16);
    s = s < -kStretchMax ? -kStretchMax : (s > kStretchMax ? kStretchMax : s);
    p_ = squash(s);
    return p_;
  }

  void update(int bit, int rate) {
    const int64_t err = (static_cast<int64_t>(bit) << 16) - p_;  // +-65535
    // Wrapping unsigned adds: no input, however adversarial, can make this undefined behaviour.
    // Real weights stay far from the int32 limits (a step is < 2^14, and steps shrink to zero as
    // the output saturates); a clamp here would cost 10% of the coding speed for nothing.
    for (int j = 0; j < N; ++j)
      w_[j] = static_cast<int32_t>(static_cast<uint32_t>(w_[j]) + static_cast<uint32_t>((x_[j] * err * rate) >> 18));
  }

 private:
  static constexpr int32_t kInitialWeight = (1 << 16) / 6;  // a cautious average of the inputs at the start
  std::vector<int32_t> weights_;                            // 16.16 fixed point
  int32_t* w_ = nullptr;
  const int32_t* x_ = nullptr;
  uint32_t p_ = 32768;
};

}  // namespace bsq::entropy

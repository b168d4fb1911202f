// The rate proxy's context model: neighbours by shifting the token grid, logistic code length.
#include "rate_proxy.h"

#include <algorithm>
#include <cmath>

namespace bsq::train {
namespace {

constexpr int64_t kNeighbours = 7;  // left, above, above-left, above-right, left 2, above 2, previous frame
constexpr int64_t kCompared = 5;    // the first four and the previous frame, as the prior compares them
constexpr int64_t kHidden = 16;

// The token `dr` rows up and `dc` columns left of each one ([B, T, h, w, L]; negative: below or
// right), 0 outside the grid, as the codec has no such token to look at.
torch::Tensor shifted(const torch::Tensor& x, int64_t dr, int64_t dc) {
  const int64_t h = x.size(2), w = x.size(3);
  const auto padded = torch::constant_pad_nd(x, {0, 0, std::max<int64_t>(dc, 0), std::max<int64_t>(-dc, 0),
                                                 std::max<int64_t>(dr, 0), std::max<int64_t>(-dr, 0)});
  return padded.narrow(2, std::max<int64_t>(-dr, 0), h).narrow(3, std::max<int64_t>(-dc, 0), w);
}

// The co-located token of the previous frame, 0 in the first frame.
torch::Tensor previous_frame(const torch::Tensor& x) {
  return torch::constant_pad_nd(x, {0, 0, 0, 0, 0, 0, 1, 0}).narrow(1, 0, x.size(1));
}

}  // namespace

RateProxyImpl::RateProxyImpl(int64_t bits) : bits_(bits) {
  // Everything starts at 0 (one bit per bit, and no gradient into the codes until the proxy has
  // learnt something), but the MLP's first layer, which needs random weights to learn at all.
  neighbour_ = register_parameter("neighbour", torch::zeros({kNeighbours, bits}));
  hidden_in_ = register_parameter("hidden_in", torch::randn({kNeighbours, kHidden}) / std::sqrt(double{kNeighbours}));
  hidden_bias_ = register_parameter("hidden_bias", torch::zeros({kHidden}));
  hidden_out_ = register_parameter("hidden_out", torch::zeros({bits, kHidden}));
  agreement_ = register_parameter("agreement", torch::zeros({kCompared, bits}));
  own_ = register_parameter("own", torch::zeros({bits, bits}));
  left_ = register_parameter("left", torch::zeros({bits, bits}));
  above_ = register_parameter("above", torch::zeros({bits, bits}));
  bias_ = register_parameter("bias", torch::zeros({bits}));
}

torch::Tensor RateProxyImpl::forward(const torch::Tensor& codes) {
  TORCH_CHECK(codes.dim() == 5 && codes.size(4) == bits_, "RateProxy: codes must be [B, T, h, w, ", bits_, "]");
  // +-1 per sent bit, 0 per bit not sent; the gradient flows into the codes.
  const auto s = codes * std::sqrt(static_cast<double>(bits_));
  const auto sent = (codes != 0).to(codes.dtype());

  const auto left = shifted(s, 0, 1), above = shifted(s, 1, 0);
  const std::vector<torch::Tensor> around = {
      left, above, shifted(s, 1, 1), shifted(s, 1, -1), shifted(s, 0, 2), shifted(s, 2, 0), previous_frame(s)};
  const auto n = torch::stack(around, -1);  // [B, T, h, w, L, 7]

  // Bit i of the neighbours: linear, and through the MLP.
  auto logit = (n * neighbour_.t()).sum(-1);
  const auto hidden = torch::relu(torch::matmul(n, hidden_in_) + hidden_bias_);  // [..., L, H]
  logit = logit + (hidden * hidden_out_).sum(-1);

  // How well each compared neighbour has matched this token over bits 0..i-1 (mean of +-1
  // agreements, 0 before bit 0), times its bit i: "copy the neighbour that fits".
  const auto compared = torch::stack({around[0], around[1], around[2], around[3], around[6]}, -1);  // [..., L, 5]
  const auto agree = compared * s.unsqueeze(-1);
  const auto before = agree.cumsum(-2) - agree;  // sums over j < i
  const auto counts = torch::arange(bits_, codes.options()).clamp_min(1).view({bits_, 1});
  logit = logit + (compared * (before / counts) * agreement_.t()).sum(-1);

  // The earlier bits of this token, and every bit of the left and above tokens.
  const auto causal = torch::tril(torch::ones({bits_, bits_}, codes.options()), -1);
  logit = logit + torch::matmul(s, (own_ * causal).t()) + torch::matmul(left, left_.t()) +
          torch::matmul(above, above_.t()) + bias_;

  // -log2 P(bit) = softplus(-s * logit) / ln 2 for s = +-1.
  return (torch::softplus(-s * logit) * sent).sum(-1) / std::log(2.0);
}

}  // namespace bsq::train

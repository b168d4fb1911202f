// Windowed multi-head attention with relative position bias and a block-causal frame mask.
#include "model/window_attention.h"

#include <cmath>
#include <limits>

namespace bsq::model {

WindowAttentionImpl::WindowAttentionImpl(int64_t width, int64_t heads, int64_t window, int64_t max_frames)
    : heads_(heads), window_(window), max_frames_(max_frames) {
  qkv_ = register_module("qkv", torch::nn::Linear(width, 3 * width));
  proj_ = register_module("proj", torch::nn::Linear(width, width));
  spatial_bias_ = register_parameter("spatial_bias", torch::zeros({(2 * window - 1) * (2 * window - 1), heads}));
  temporal_bias_ = register_parameter("temporal_bias", torch::zeros({max_frames, heads}));
  torch::nn::init::normal_(spatial_bias_, 0.0, 0.02);

  // Offset (dy, dx) between tokens i and j of a window, shifted to be >= 0, as one index.
  const auto coords = torch::arange(window, torch::kInt64);
  const auto ys = coords.view({window, 1}).expand({window, window}).reshape({-1});
  const auto xs = coords.view({1, window}).expand({window, window}).reshape({-1});
  const auto dy = ys.view({-1, 1}) - ys.view({1, -1}) + (window - 1);
  const auto dx = xs.view({-1, 1}) - xs.view({1, -1}) + (window - 1);
  relative_index_ = register_buffer("relative_index", (dy * (2 * window - 1) + dx).reshape({-1}));
}

void WindowAttentionImpl::zero_output() {
  torch::NoGradGuard no_grad;
  proj_->weight.zero_();
  proj_->bias.zero_();
}

torch::Tensor WindowAttentionImpl::attention_bias(int64_t frames, const torch::TensorOptions& options) {
  TORCH_CHECK(frames >= 1 && frames <= max_frames_, "window attention: more frames than the model supports");
  const int64_t n = window_ * window_;
  auto bias = spatial_bias_.index_select(0, relative_index_).view({n, n, heads_}).permute({2, 0, 1});
  if (frames == 1) return bias.unsqueeze(0).to(options.dtype());  // [1, heads, n, n]

  // Frame f attends to frames g <= f; the temporal bias depends on the distance f - g.
  const auto f = torch::arange(frames, torch::kInt64).to(options.device());
  const auto distance = (f.view({-1, 1}) - f.view({1, -1})).clamp(0, max_frames_ - 1);
  const auto temporal = temporal_bias_.index_select(0, distance.reshape({-1})).view({frames, frames, heads_});
  const auto blocked = (f.view({-1, 1}) < f.view({1, -1}));  // key frame after query frame
  auto frame_term =
      temporal.permute({2, 0, 1}).masked_fill(blocked.unsqueeze(0), -std::numeric_limits<float>::infinity());
  // Expand [heads, F, F] and [heads, n, n] to [heads, F*n, F*n], frame-major.
  auto full = frame_term.view({heads_, frames, 1, frames, 1}) + bias.view({heads_, 1, n, 1, n});
  return full.reshape({1, heads_, frames * n, frames * n}).to(options.dtype());
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x, int64_t frames) {
  return attend(x, attention_bias(frames, x.options()));
}

torch::Tensor WindowAttentionImpl::attend(const torch::Tensor& x, const torch::Tensor& bias) {
  const int64_t windows = x.size(0), tokens = x.size(1), width = x.size(2);
  const int64_t head_dim = width / heads_;
  TORCH_CHECK(bias.size(-1) == tokens, "window attention: token count mismatch");

  // x comes in the dtype of the weights (model/compute_precision.h); so do the products here.
  const auto qkv = qkv_->forward(x).view({windows, tokens, 3, heads_, head_dim}).permute({2, 0, 3, 1, 4});
  const auto q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(head_dim)));
  const auto k = qkv[1], v = qkv[2];
  auto logits = torch::matmul(q, k.transpose(-2, -1)) + bias;
  const auto out = torch::matmul(torch::softmax(logits, -1), v);  // [windows, heads, tokens, head_dim]
  return proj_->forward(out.transpose(1, 2).reshape({windows, tokens, width}));
}

}  // namespace bsq::model

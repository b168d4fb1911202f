// Transformer blocks on windowed token grids, with the window partition and its inverse.
#include "model/transformer.h"

#include <algorithm>

namespace bsq::model {
namespace {

// [B, T, H, W, C] -> [B * H/w * W/w, T * w * w, C]: each window's tokens, frame-major.
torch::Tensor partition(const torch::Tensor& g, int64_t w) {
  const int64_t b = g.size(0), t = g.size(1), h = g.size(2), wd = g.size(3), c = g.size(4);
  return g.view({b, t, h / w, w, wd / w, w, c})
      .permute({0, 2, 4, 1, 3, 5, 6})
      .reshape({b * (h / w) * (wd / w), t * w * w, c});
}

torch::Tensor merge(const torch::Tensor& x, const torch::IntArrayRef shape, int64_t w) {
  const int64_t b = shape[0], t = shape[1], h = shape[2], wd = shape[3], c = shape[4];
  return x.view({b, h / w, wd / w, t, w, w, c}).permute({0, 3, 1, 4, 2, 5, 6}).reshape({b, t, h, wd, c});
}

}  // namespace

TransformerBlockImpl::TransformerBlockImpl(int64_t width, int64_t heads, int64_t window, int64_t max_frames,
                                           int64_t mlp_ratio, bool shifted)
    : window_(window), shifted_(shifted && window > 1) {
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  attention_ = register_module("attention", WindowAttention(width, heads, window, max_frames));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  fc1_ = register_module("fc1", torch::nn::Linear(width, mlp_ratio * width));
  fc2_ = register_module("fc2", torch::nn::Linear(mlp_ratio * width, width));
  // Zero-initialised residual branches (as in ReZero / SkipInit): a fresh model is the
  // convolutional autoencoder, which trains quickly here, and attention grows in from there.
  torch::NoGradGuard no_grad;
  fc2_->weight.zero_();
  fc2_->bias.zero_();
  attention_->zero_output();
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& grid) {
  if (!torch::GradMode::is_enabled()) return forward_by_windows(grid);
  const int64_t shift = shifted_ ? window_ / 2 : 0;
  // The residual stream and the norms stay float32; the branches run in the weights' dtype
  // (model/compute_precision.h), and so do the copies that partition the windows.
  const auto dtype = fc1_->weight.scalar_type();
  auto y = norm1_->forward(grid).to(dtype);
  if (shift) y = torch::roll(y, {-shift, -shift}, {2, 3});
  y = merge(attention_->forward(partition(y, window_), grid.size(1)), grid.sizes(), window_);
  if (shift) y = torch::roll(y, {shift, shift}, {2, 3});
  const auto x = grid + y;
  return x + fc2_->forward(torch::gelu(fc1_->forward(norm2_->forward(x).to(dtype))));
}

torch::Tensor TransformerBlockImpl::forward_by_windows(const torch::Tensor& grid) {
  const int64_t shift = shifted_ ? window_ / 2 : 0;
  const auto dtype = fc1_->weight.scalar_type();
  const int64_t width = grid.size(4), frames = grid.size(1);
  const int64_t per_window = frames * window_ * window_;
  // Where each token of the (shifted) window partition sits in the grid: the partition applied
  // to the tokens' own indices. Gathering by it is the roll and the partition in one copy.
  const auto sizes = grid.sizes();
  auto where = torch::arange(grid.numel() / width, torch::TensorOptions(torch::kInt64).device(grid.device()))
                   .view({sizes[0], sizes[1], sizes[2], sizes[3], 1});
  if (shift) where = torch::roll(where, {-shift, -shift}, {2, 3});
  where = partition(where, window_).reshape({-1});

  const auto bias = attention_->attention_bias(frames, grid.options().dtype(dtype));
  const auto stream = grid.reshape({-1, width});
  auto out = torch::empty_like(stream);
  const int64_t group = std::max<int64_t>(1, kTokensPerGroup / per_window) * per_window;
  for (int64_t first = 0; first < where.size(0); first += group) {
    const auto at = where.narrow(0, first, std::min(group, where.size(0) - first));
    auto x = stream.index_select(0, at);
    x += attention_->attend(norm1_->forward(x).to(dtype).view({-1, per_window, width}), bias).view({-1, width});
    x += fc2_->forward(torch::gelu(fc1_->forward(norm2_->forward(x).to(dtype))));
    out.index_copy_(0, at, x);
  }
  return out.view(sizes);
}

TransformerImpl::TransformerImpl(int64_t width, int64_t depth, int64_t heads, int64_t window, int64_t max_frames,
                                 int64_t mlp_ratio)
    : width_(width), window_(window), mlp_ratio_(mlp_ratio) {
  // The stem and the bottleneck's up-projection emit values far below unit scale; this norm puts
  // the residual stream at unit scale, where Adam's ~lr-sized updates of the branches are small.
  input_norm_ = register_module("input_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < depth; ++i) {
    blocks_->push_back(TransformerBlock(width, heads, window, max_frames, mlp_ratio, /*shifted=*/i % 2 == 1));
    shifted_.push_back(blocks_[i]->as<TransformerBlock>()->shifted());
  }
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
}

torch::Tensor TransformerImpl::forward(torch::Tensor grid) {
  grid = input_norm_->forward(grid);
  for (const auto& block : *blocks_) grid = block->as<TransformerBlock>()->forward(grid);
  return norm_->forward(grid);
}

namespace {

int64_t floor_to(int64_t v, int64_t step, int64_t offset) {  // largest offset + k * step <= v
  const int64_t d = v - offset;
  return offset + (d >= 0 ? d / step : -((-d + step - 1) / step)) * step;
}
int64_t ceil_to(int64_t v, int64_t step, int64_t offset) { return -floor_to(-v, step, -offset); }

}  // namespace

double TransformerImpl::macs_per_token() const {
  const double d = static_cast<double>(width_), n = static_cast<double>(window_ * window_);
  // q, k, v and the output projection; two MLP layers; scores and the weighted sum over n tokens.
  const double block = 4 * d * d + 2 * static_cast<double>(mlp_ratio_) * d * d + 2 * n * d;
  return block * static_cast<double>(shifted_.size());
}

std::pair<int64_t, int64_t> TransformerImpl::input_rows(int64_t first, int64_t last) const {
  // Backwards through the blocks: a block's output row depends on the rows of its window, whose
  // boundaries sit at multiples of the window (plain) or half a window off them (shifted).
  for (size_t i = shifted_.size(); i-- > 0;) {
    const int64_t offset = shifted_[i] ? window_ / 2 : 0;
    first = floor_to(first, window_, offset);
    last = ceil_to(last, window_, offset);
  }
  return {floor_to(first, window_, 0), ceil_to(last, window_, 0)};
}

}  // namespace bsq::model

// Transformer blocks on windowed token grids, with the window partition and its inverse.
#include "model/transformer.h"

#include <algorithm>
#include <vector>

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
  const int64_t shift = shifted_ ? window_ / 2 : 0;
  // The residual stream and the norms stay float32; the branches run in the weights' dtype
  // (model/compute_precision.h), and so do the copies that partition the windows.
  const auto dtype = fc1_->weight.scalar_type();
  auto y = norm1_->forward(grid).to(dtype);
  if (shift) y = torch::roll(y, {-shift, -shift}, {2, 3});
  y = merge(attention_->forward(partition(y, window_), grid.size(1)), grid.sizes(), window_);
  if (shift) y = torch::roll(y, {shift, shift}, {2, 3});
  auto x = grid + y;
  const auto mlp = [&](const torch::Tensor& t) {
    return t + fc2_->forward(torch::gelu(fc1_->forward(norm2_->forward(t).to(dtype))));
  };
  // Inference on a large picture: the MLP, 4x wider than the stream, a slice of tokens at a time
  // (tokens are independent there, so the result is the same).
  constexpr int64_t kTokensPerSlice = int64_t{1} << 15;
  const int64_t tokens = x.numel() / x.size(-1);
  if (torch::GradMode::is_enabled() || tokens <= kTokensPerSlice) return mlp(x);
  const auto flat = x.reshape({tokens, x.size(-1)});
  std::vector<torch::Tensor> slices;
  for (int64_t first = 0; first < tokens; first += kTokensPerSlice)
    slices.push_back(mlp(flat.narrow(0, first, std::min(kTokensPerSlice, tokens - first))));
  return torch::cat(slices).view(x.sizes());
}

TransformerImpl::TransformerImpl(int64_t width, int64_t depth, int64_t heads, int64_t window, int64_t max_frames,
                                 int64_t mlp_ratio)
    : window_(window) {
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

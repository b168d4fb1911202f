// Pre-LayerNorm transformer over token grids [batch, frames, rows, cols, width].
//
// Blocks alternate plain and half-window-shifted windows (as in Swin), so information crosses
// window borders every second block. The shift rolls the grid cyclically: tokens at opposite
// image edges share a window then, which training sees too, so it costs no consistency.
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "model/window_attention.h"

namespace bsq::model {

class TransformerBlockImpl : public torch::nn::Module {
 public:
  bool shifted() const { return shifted_; }
  TransformerBlockImpl(int64_t width, int64_t heads, int64_t window, int64_t max_frames, int64_t mlp_ratio,
                       bool shifted);
  torch::Tensor forward(const torch::Tensor& grid);  // rows and cols must be multiples of window

 private:
  // Inference (no autograd): the same block a group of windows at a time. A token's output
  // depends only on the tokens of its window, so each group goes through both branches and both
  // residual adds while it is in cache, instead of each step streaming the whole grid through
  // memory; the result is the same up to the summation order of the products.
  torch::Tensor forward_by_windows(const torch::Tensor& grid);
  static constexpr int64_t kTokensPerGroup = 4096;

  int64_t window_;
  bool shifted_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  WindowAttention attention_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(TransformerBlock);

class TransformerImpl : public torch::nn::Module {
 public:
  TransformerImpl(int64_t width, int64_t depth, int64_t heads, int64_t window, int64_t max_frames, int64_t mlp_ratio);
  torch::Tensor forward(torch::Tensor grid);  // starts and ends with a LayerNorm

  // The input rows that output rows [first, last) depend on: every window of every block that
  // covers a needed row. The result starts and ends on window boundaries and may reach past the
  // grid on either side, where the shifted windows wrap around (rows modulo the grid height).
  std::pair<int64_t, int64_t> input_rows(int64_t first, int64_t last) const;

  // Multiply-adds per token of a picture's pass through every block: the projections, the MLP and
  // the attention within a window (video's attention across frames not counted).
  double macs_per_token() const;

 private:
  int64_t width_, window_, mlp_ratio_;
  std::vector<bool> shifted_;  // per block
  torch::nn::LayerNorm input_norm_{nullptr};
  torch::nn::ModuleList blocks_;
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(Transformer);

}  // namespace bsq::model

// Windowed self-attention over token grids with a frame axis (block-causal across frames).
//
// Why windows: attention inside fixed windows of window x window tokens keeps memory linear in
// the number of pixels and makes the model see at inference exactly the token-grid size it was
// trained on, whatever the image size. Positions are a learned bias per relative offset inside
// a window (no absolute embedding), so nothing depends on the image resolution.
#pragma once

#include <torch/torch.h>

namespace bsq::model {

class WindowAttentionImpl : public torch::nn::Module {
 public:
  WindowAttentionImpl(int64_t width, int64_t heads, int64_t window, int64_t max_frames);

  // x: [windows, frames * window^2, width], frame-major. A token attends to every token of its
  // own frame and of earlier frames in the same window.
  torch::Tensor forward(const torch::Tensor& x, int64_t frames);
  void zero_output();  // output projection to zero (see TransformerBlock)

  // forward() in two steps, for a caller that feeds windows a group at a time: the logits' bias
  // for windows of `frames` frames ([1, heads, tokens, tokens], in options' dtype), made once,
  // then the attention of each group of windows ([windows, tokens, width]) with it.
  torch::Tensor attention_bias(int64_t frames, const torch::TensorOptions& options);
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& bias);

 private:
  int64_t heads_, window_, max_frames_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::Tensor spatial_bias_;    // [(2w-1)^2, heads]
  torch::Tensor temporal_bias_;   // [max_frames, heads], indexed by frame distance
  torch::Tensor relative_index_;  // [w^2 * w^2] int64 into spatial_bias_
};
TORCH_MODULE(WindowAttention);

}  // namespace bsq::model

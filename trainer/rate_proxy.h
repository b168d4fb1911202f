// A differentiable stand-in for the entropy coder's prior (entropy/bit_prior.h), for rate-aware
// training (bsqtrain --rate-weight).
//
// The codec codes every bit of a token with a probability from what was coded before it: the
// same channel of the neighbouring tokens, the earlier channels of this token, the channels of
// its left and above neighbours, and which neighbour this token has matched so far. RateProxy
// models the same dependencies with a small causal logistic model and returns the code length of
// a grid of tokens under it, differentiable in the codes. Its weights learn to predict the
// network's codes; through the codes' straight-through gradient the network learns codes that
// are predictable, where that costs little distortion. The codec never runs it: streams stay
// exactly what the integer prior makes them.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace bsq::train {

class RateProxyImpl : public torch::nn::Module {
 public:
  explicit RateProxyImpl(int64_t bits);

  // codes: [B, T, h, w, L], each bit +-c (c > 0, the same for all: BSQ's 1/sqrt(L)), or 0 for a bit
  // that is not sent (nested bits), which costs nothing and tells nothing. Returns the code length
  // of each token in bits, [B, T, h, w].
  torch::Tensor forward(const torch::Tensor& codes);

 private:
  int64_t bits_;
  // The neighbours: left, above, above-left, above-right, two to the left, two up, previous frame.
  torch::Tensor neighbour_;    // [7, L]: bit i of each neighbour, per channel i
  torch::Tensor hidden_in_;    // [7, H]: a small MLP over those 7 bits, shared by the channels,
  torch::Tensor hidden_bias_;  // [H]
  torch::Tensor hidden_out_;   // [L, H]: read out per channel
  torch::Tensor agreement_;    // [5, L]: bit i of a compared neighbour times how well it matched bits 0..i-1
  torch::Tensor own_;          // [L, L], strictly lower triangle used: the earlier bits of this token
  torch::Tensor left_;         // [L, L]: every bit of the left token
  torch::Tensor above_;        // [L, L]: every bit of the above token
  torch::Tensor bias_;         // [L]
};
TORCH_MODULE(RateProxy);

}  // namespace bsq::train

// The BSQ-ViT tokenizer network: conv stem, windowed ViT encoder, BSQ, ViT decoder, conv head.
//
// Tensors carry a frame axis throughout: images are clips of one frame. Pixels are in [-1, 1].
#pragma once

#include <torch/torch.h>

#include "bsq/model_config.h"
#include "model/bsq_quantizer.h"
#include "model/conv_stem.h"
#include "model/transformer.h"

namespace bsq::model {

struct EncodeOutput {
  torch::Tensor u;      // [B, T, h, w, L] on the unit sphere
  torch::Tensor codes;  // [B, T, h, w, L] what the decoder gets (binary at hardness 1)
};

class TokenizerModelImpl : public torch::nn::Module {
 public:
  explicit TokenizerModelImpl(const ModelConfig& config);

  // x: [B, T, 3, H, W] with H and W multiples of config.window_pixels().
  EncodeOutput encode(const torch::Tensor& x, double hardness = 1.0);
  // codes: [B, T, h, w, L] -> [B, T, 3, h*patch, w*patch], unclamped.
  torch::Tensor decode(const torch::Tensor& codes);

  const ModelConfig& config() const { return config_; }

  // The stages, for running them piecewise (model/stripe_runner.h); encode() and decode() are
  // stem_grid -> encoder -> quantizer and quantizer -> decoder -> head_pixels.
  // [B, T, 3, H, W] -> [B, T, H/patch, W/patch, width] (channels last: no copy).
  torch::Tensor stem_grid(const torch::Tensor& x);
  // [B, T, h, w, width] -> [B, T, 3, h*patch, w*patch].
  torch::Tensor head_pixels(const torch::Tensor& grid);
  // Multiply-adds per pixel of the decoder side (blocks and head): the cost of one decode, and of
  // each of the encoder's search steps.
  double decoder_macs_per_pixel() const;
  Transformer& encoder() { return encoder_; }
  Transformer& decoder() { return decoder_; }
  BsqQuantizer& quantizer() { return quantizer_; }

 private:
  ModelConfig config_;
  ConvStem stem_{nullptr};
  Transformer encoder_{nullptr};
  BsqQuantizer quantizer_{nullptr};
  Transformer decoder_{nullptr};
  ConvHead head_{nullptr};
};
TORCH_MODULE(TokenizerModel);

// Replicate-pads [B, T, 3, H, W] to multiples of `multiple` on the bottom and right.
torch::Tensor pad_to_multiple(const torch::Tensor& x, int64_t multiple);

}  // namespace bsq::model

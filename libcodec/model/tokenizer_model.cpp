// TokenizerModel: wiring of stem, encoder, quantizer, decoder and head.
#include "model/tokenizer_model.h"

namespace bsq::model {

TokenizerModelImpl::TokenizerModelImpl(const ModelConfig& config) : config_(config) {
  const auto& c = config;
  stem_ = register_module("stem", ConvStem(c));
  encoder_ =
      register_module("encoder", Transformer(c.width, c.encoder_depth, c.heads, c.window, c.max_frames, c.mlp_ratio));
  quantizer_ = register_module("quantizer", BsqQuantizer(c.width, c.bits));
  decoder_ =
      register_module("decoder", Transformer(c.width, c.decoder_depth, c.heads, c.window, c.max_frames, c.mlp_ratio));
  head_ = register_module("head", ConvHead(c));
}

torch::Tensor TokenizerModelImpl::stem_grid(const torch::Tensor& x) {
  const int64_t b = x.size(0), t = x.size(1), h = x.size(3), w = x.size(4);
  auto feat = stem_->forward(x.reshape({b * t, 3, h, w}));  // [BT, d, h/p, w/p]
  return feat.view({b, t, feat.size(1), feat.size(2), feat.size(3)}).permute({0, 1, 3, 4, 2});
}

double TokenizerModelImpl::decoder_macs_per_pixel() const {
  const double per_token = decoder_->macs_per_token() + head_->macs(1, 1);
  return per_token / (static_cast<double>(config_.patch) * config_.patch);
}

torch::Tensor TokenizerModelImpl::head_pixels(const torch::Tensor& grid) {
  const int64_t b = grid.size(0), t = grid.size(1), h = grid.size(2), w = grid.size(3);
  auto feat = grid.permute({0, 1, 4, 2, 3}).reshape({b * t, grid.size(4), h, w});
  auto pixels = head_->forward(feat);
  return pixels.view({b, t, 3, pixels.size(2), pixels.size(3)});
}

EncodeOutput TokenizerModelImpl::encode(const torch::Tensor& x, double hardness) {
  TORCH_CHECK(x.size(3) % config_.window_pixels() == 0 && x.size(4) % config_.window_pixels() == 0,
              "encode: input not padded to the window grid");
  const auto q = quantizer_->quantize(encoder_->forward(stem_grid(x)), hardness);
  return {q.u, q.codes};
}

torch::Tensor TokenizerModelImpl::decode(const torch::Tensor& codes) {
  return head_pixels(decoder_->forward(quantizer_->dequantize(codes)));
}

torch::Tensor pad_to_multiple(const torch::Tensor& x, int64_t multiple) {
  const int64_t h = x.size(-2), w = x.size(-1);
  const int64_t ph = (multiple - h % multiple) % multiple, pw = (multiple - w % multiple) % multiple;
  if (ph == 0 && pw == 0) return x;
  // Replicate padding needs a 4-D or 5-D input; fold the frame axis into the batch.
  const auto flat = x.reshape({-1, 3, h, w});
  auto padded =
      torch::nn::functional::pad(flat, torch::nn::functional::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
  auto sizes = x.sizes().vec();
  sizes[sizes.size() - 2] = h + ph;
  sizes[sizes.size() - 1] = w + pw;
  return padded.view(sizes);
}

}  // namespace bsq::model

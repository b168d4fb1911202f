// Stem and head convolutions; channel counts shrink towards full resolution to bound its cost.
#include "model/conv_stem.h"

#include <algorithm>
#include <vector>

namespace bsq::model {
namespace {

int stages(const ModelConfig& c) {
  int n = 0;
  while ((1 << n) < c.patch) ++n;
  return n;
}

// Channels after stem stage i (finest first): stem_channels at the coarsest convolutional
// resolution, halving towards the pixels, never below 8.
std::vector<int64_t> stage_channels(const ModelConfig& c) {
  const int n = stages(c);
  std::vector<int64_t> ch(n);
  for (int i = 0; i < n; ++i) ch[i] = std::max(8, c.stem_channels >> std::max(0, n - 2 - i));
  return ch;
}

}  // namespace

ConvStemImpl::ConvStemImpl(const ModelConfig& config) {
  const auto ch = stage_channels(config);
  const int n = stages(config);
  int64_t in = 3;
  for (int i = 0; i < n; ++i) {
    const int64_t out = i + 1 == n ? config.width : ch[i];
    layers_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1)));
    if (i + 1 < n) layers_->push_back(torch::nn::GELU());
    in = out;
  }
  register_module("layers", layers_);
}

torch::Tensor ConvStemImpl::forward(torch::Tensor x) { return layers_->forward(x); }

ConvHeadImpl::ConvHeadImpl(const ModelConfig& config) {
  const auto ch = stage_channels(config);
  const int n = stages(config);
  int64_t in = config.width;
  for (int i = n - 1; i >= 0; --i) {
    // Stage i outputs resolution 1/2^i, like stem stage i-1; the full-resolution stage keeps
    // half the channels of the stem's finest one since it runs once per pixel.
    const int64_t out = i == 0 ? std::max<int64_t>(8, ch[0] / 2) : ch[i - 1];
    layers_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 4 * out, 1)));
    layers_->push_back(torch::nn::PixelShuffle(2));
    layers_->push_back(torch::nn::GELU());
    layers_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)));
    layers_->push_back(torch::nn::GELU());
    in = out;
  }
  layers_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 3, 3).padding(1)));
  register_module("layers", layers_);
}

torch::Tensor ConvHeadImpl::forward(torch::Tensor x) { return layers_->forward(x); }

}  // namespace bsq::model

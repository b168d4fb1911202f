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

namespace {

// Pixel shuffle on a channels-last tensor, the same values as torch::pixel_shuffle: [N, C*r*r, H,
// W] -> [N, C, H*r, W*r], in one copy that keeps channels last (LibTorch's own goes through
// channels-first and back).
torch::Tensor pixel_shuffle_channels_last(const torch::Tensor& x, int64_t r) {
  const int64_t n = x.size(0), c = x.size(1) / (r * r), h = x.size(2), w = x.size(3);
  return x.permute({0, 2, 3, 1})
      .reshape({n, h, w, c, r, r})
      .permute({0, 1, 4, 2, 5, 3})
      .reshape({n, h * r, w * r, c})
      .permute({0, 3, 1, 2});
}

// Runs a Sequential of Conv2d, GELU and PixelShuffle channels-last (the layout oneDNN's
// convolutions are fastest in), each convolution in its weights' dtype; returns float32.
torch::Tensor run_channels_last(torch::nn::Sequential& layers, torch::Tensor x) {
  x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  for (const auto& layer : layers->children()) {
    if (auto* conv = layer->as<torch::nn::Conv2d>())
      x = conv->forward(x.to(conv->weight.scalar_type()));
    else if (auto* shuffle = layer->as<torch::nn::PixelShuffle>())
      x = pixel_shuffle_channels_last(x, shuffle->options.upscale_factor());
    else  // on the [N, H, W, C] view, which element-wise kernels see as contiguous (much faster)
      x = torch::gelu(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
  }
  return x.to(torch::kFloat32);
}

// Multiply-adds of a stack of convolutions and pixel shuffles on an input of h x w positions:
// walks the layers, tracking the resolution.
double conv_macs(const torch::nn::Sequential& layers, double h, double w) {
  double macs = 0;
  for (const auto& layer : layers->children()) {
    if (const auto* conv = layer->as<torch::nn::Conv2d>()) {
      const auto& o = conv->options;
      h /= (*o.stride())[0];
      w /= (*o.stride())[1];
      macs += h * w * o.out_channels() * o.in_channels() * (*o.kernel_size())[0] * (*o.kernel_size())[1];
    } else if (const auto* shuffle = layer->as<torch::nn::PixelShuffle>()) {
      h *= shuffle->options.upscale_factor();
      w *= shuffle->options.upscale_factor();
    }
  }
  return macs;
}

}  // namespace

torch::Tensor ConvStemImpl::forward(torch::Tensor x) { return run_channels_last(layers_, std::move(x)); }
double ConvStemImpl::macs(double height, double width) const { return conv_macs(layers_, height, width); }

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

torch::Tensor ConvHeadImpl::forward(torch::Tensor x) { return run_channels_last(layers_, std::move(x)); }
double ConvHeadImpl::macs(double rows, double cols) const { return conv_macs(layers_, rows, cols); }

}  // namespace bsq::model

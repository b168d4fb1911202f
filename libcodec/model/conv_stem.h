// Convolutional stem (pixels -> tokens) and head (tokens -> pixels) around the transformer.
//
// Why convolutions near the pixels: a linear patch embedding and head make every 8x8 patch an
// island and waste capacity on blocking artefacts; small overlapping convolutions are cheap at
// full resolution and let neighbouring patches share edges (the reference experiment in
// shared/CALIBRATION.md, outside this repository, measured the linear version ~5 dB behind JPEG).
#pragma once

#include <torch/torch.h>

#include "bsq/model_config.h"

namespace bsq::model {

// [N, 3, H, W] -> [N, width, H/patch, W/patch]; log2(patch) stride-2 4x4 convolutions. Stem and
// head return float32 tensors in channels-last memory (a free view of [N, h, w, C]).
class ConvStemImpl : public torch::nn::Module {
 public:
  explicit ConvStemImpl(const ModelConfig& config);
  torch::Tensor forward(torch::Tensor x);
  double macs(double height, double width) const;  // multiply-adds on an input of height x width pixels

 private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(ConvStem);

// [N, width, h, w] -> [N, 3, h*patch, w*patch]; each stage: 1x1 conv, pixel shuffle, 3x3 conv.
class ConvHeadImpl : public torch::nn::Module {
 public:
  explicit ConvHeadImpl(const ModelConfig& config);
  torch::Tensor forward(torch::Tensor x);
  double macs(double rows, double cols) const;  // multiply-adds on an input of rows x cols tokens

 private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(ConvHead);

}  // namespace bsq::model

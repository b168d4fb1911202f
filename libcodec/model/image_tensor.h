// Conversions between bsq::Image (RGB8) and model tensors [1, 1, 3, H, W] in [-1, 1].
#pragma once

#include <torch/torch.h>

#include "bsq/image.h"

namespace bsq::model {

torch::Tensor image_to_tensor(const Image& image);
// Takes [3, H, W] (any device), crops to width x height, rounds to 8 bits.
Image tensor_to_image(const torch::Tensor& pixels, int width, int height);

}  // namespace bsq::model

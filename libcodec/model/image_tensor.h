// Conversions between bsq::Image (RGB8) and model tensors [1, 1, 3, H, W] in [-1, 1].
#pragma once

#include <torch/torch.h>

#include "bsq/image.h"

namespace bsq::model {

torch::Tensor image_to_tensor(const Image& image);
// Rows [y0, y1) of the image replicate-padded (last row and column repeated, as
// pad_to_multiple does) to padded_width columns: [1, 1, 3, y1 - y0, padded_width].
torch::Tensor image_rows_to_tensor(const Image& image, int64_t y0, int64_t y1, int64_t padded_width);

// Takes [3, H, W] (any device), crops to width x height, rounds to 8 bits.
Image tensor_to_image(const torch::Tensor& pixels, int width, int height);
// Writes [3, n, W] (any device, W >= image->width) into rows y0.. of *image, as many as it has.
void write_image_rows(const torch::Tensor& pixels, int64_t y0, Image* image);

}  // namespace bsq::model

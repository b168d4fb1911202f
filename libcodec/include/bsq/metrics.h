// Image quality metrics on 8-bit RGB, the one implementation every tool of the project uses.
#pragma once

#include "bsq/image.h"
#include "bsq/status.h"

namespace bsq {

// Mean squared error over all three channels; the images must have the same size.
StatusOr<double> mse(const Image& a, const Image& b);
// 10 log10(255^2 / MSE) over all channels; identical images give +infinity.
StatusOr<double> psnr(const Image& a, const Image& b);

}  // namespace bsq

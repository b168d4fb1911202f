// Image quality metrics on 8-bit RGB, the one implementation every tool of the project uses.
#pragma once

#include "bsq/export.h"
#include "bsq/image.h"
#include "bsq/status.h"

namespace bsq {

// Mean squared error over all three channels; the images must have the same size.
BSQ_API StatusOr<double> mse(const Image& a, const Image& b);
// 10 log10(255^2 / MSE) over all channels; identical images give +infinity.
BSQ_API StatusOr<double> psnr(const Image& a, const Image& b);
// MS-SSIM (Wang, Simoncelli, Bovik 2003) per channel on 0..255 values, averaged over R, G, B.
// Gaussian 11x11 window (sigma 1.5), 5 scales; images smaller than 176 pixels on a side use fewer
// scales (see metrics.cpp). Needs at least 11x11; identical images give 1.
BSQ_API StatusOr<double> ms_ssim(const Image& a, const Image& b);

}  // namespace bsq

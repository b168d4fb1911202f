// The residual layer of a still image (the container's RESI chunk, man/bsq.5): what the tokens'
// decoded picture misses, as quantised 8x8 DCT coefficients of three orthonormal colour planes.
// Internal to libcodec: the image encoder and decoder share it, so the two cannot disagree.
//
// The colour planes are the residual's projections on (1, 1, 1) / sqrt(3), (1, -1, 0) / sqrt(2)
// and (1, 1, -2) / sqrt(6): an orthonormal basis, so a plane's squared error is the picture's RGB
// squared error and one quantiser step suits all three (PSNR is measured on RGB). Each plane is
// cut into 8x8 blocks from the top-left corner (the last row and column of blocks reach past the
// picture; the encoder fills them by repeating the edge, the decoder drops them), transformed by
// the orthonormal DCT-II, divided by the step and rounded; the decoder multiplies back, inverts
// both transforms, adds the result to the tokens' picture and rounds to 8 bits.
#pragma once

#include <cstdint>

#include "bsq/image.h"
#include "residual_coder.h"

namespace bsq::codec_detail {

// The step's unit in the container (bitstream/container_format.h, kResidualStepOne).
double residual_step_value(uint32_t step);

// The levels that bring `base` closer to `original` (same size) at quantiser step `step`.
entropy::ResidualPlanes quantise_residual(const Image& original, const Image& base, uint32_t step);

// Adds the residual the levels code to `picture` (the size they were made for).
void add_residual(const entropy::ResidualPlanes& levels, uint32_t step, Image* picture);

// The block grid a picture of this size has: (columns, rows) of 8x8 blocks.
inline int residual_blocks(int pixels) {
  return (pixels + entropy::kResidualBlockSide - 1) / entropy::kResidualBlockSide;
}

}  // namespace bsq::codec_detail

// The residual layer of a still image (the container's RESI chunk, man/bsq.5): what the tokens'
// decoded picture misses, as quantised 8x8 DCT coefficients of three orthonormal colour planes.
// Internal to libcodec: the image encoder and decoder share it, so the two cannot disagree.
//
// The colour planes are the residual's projections on the colour axes (colour_planes.h) divided by
// their lengths: an orthonormal basis, so a plane's squared error is the picture's RGB
// squared error and one quantiser step suits all three (PSNR is measured on RGB). Each plane is
// cut into 8x8 blocks from the top-left corner (the last row and column of blocks reach past the
// picture; the encoder fills them by repeating the edge, the decoder drops them), transformed by
// the orthonormal DCT-II and divided by the step; the encoder chooses the levels from these by
// rate-distortion optimisation (entropy::encode_residual_rdo). The decoder multiplies the levels
// back, inverts both transforms, adds the result to the tokens' picture and rounds to 8 bits.
#pragma once

#include <cstdint>

#include "bsq/image.h"
#include "residual_coder.h"

namespace bsq::codec_detail {

// The step's unit in the container (bitstream/container_format.h, kResidualStepOne).
double residual_step_value(uint32_t step);

// The encoder's price of a bit in squared quantiser steps (entropy::encode_residual_rdo): set on
// train crops (entropy/README.md, "The residual layer").
inline constexpr double kResidualLambda = 0.07;
// The same price in squared 8-bit RGB error at quantiser step `step` (the transforms are
// orthonormal): what the encoder's other choices (the restoration filter) pay for a bit.
inline double bit_price(double step) { return kResidualLambda * step * step; }

// What `base` misses of `original` (same size): the transform coefficients in units of `step`,
// for the encoder's quantiser (entropy::encode_residual_rdo) to choose levels from.
entropy::ResidualCoefficients residual_coefficients(const Image& original, const Image& base, uint32_t step);

// Adds the residual the levels code to `picture` (the size they were made for).
void add_residual(const entropy::ResidualPlanes& levels, uint32_t step, Image* picture);

// The block grid a picture of this size has: (columns, rows) of 8x8 blocks.
inline int residual_blocks(int pixels) {
  return (pixels + entropy::kResidualBlockSide - 1) / entropy::kResidualBlockSide;
}

}  // namespace bsq::codec_detail

// Lossless coding of a picture's residual layer: quantised 8x8 transform coefficients.
//
// Usage:
//   bsq::entropy::ResidualPlanes levels{planes, blocks_x, blocks_y, values};
//   std::vector<uint8_t> bytes = bsq::entropy::encode_residual(levels);
//   bsq::entropy::ResidualPlanes back;
//   std::string error;
//   if (!bsq::entropy::decode_residual(bytes.data(), bytes.size(), planes, blocks_x, blocks_y, &back, &error))
//     fprintf(stderr, "%s\n", error.c_str());
//
// The stream holds only the coded levels: the dimensions travel in the container. What the levels
// mean (colour planes, transform, quantiser) belongs to the codec (libcodec/residual_layer.h);
// here they are integers in blocks of 64, each block's in zigzag order, coded by the same binary
// range coder as the tokens with adaptive contexts (entropy/README.md, "The residual layer").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bsq::entropy {

inline constexpr int kResidualBlockSide = 8;
inline constexpr int kResidualBlockSize = kResidualBlockSide * kResidualBlockSide;
// Caps on what decode_residual() accepts, so no allocation is sized by unchecked input.
inline constexpr int kMaxResidualPlanes = 3;
inline constexpr int kMaxResidualBlocksPerSide = 65536 / kResidualBlockSide;
inline constexpr int64_t kMaxResidualBlocks = (int64_t{1} << 28) / kResidualBlockSize;  // per plane
// Levels are at most this in magnitude: an 8-bit picture's residual through an orthonormal 8x8
// transform stays below 255 * 8 * sqrt(3) = 3534 before the quantiser divides it by its step.
inline constexpr int kMaxResidualLevel = 32767;

struct ResidualPlanes {
  int planes = 0, blocks_x = 0, blocks_y = 0;
  // planes * blocks_y * blocks_x * 64 levels: plane-major, then block rows, block columns, then
  // the block's 64 levels in zigzag order (index 0: the DC coefficient).
  std::vector<int16_t> levels;
};

// Transform coefficients before quantisation, in units of the quantiser step: the encoder's input
// to encode_residual_rdo(), laid out as ResidualPlanes' levels.
struct ResidualCoefficients {
  int planes = 0, blocks_x = 0, blocks_y = 0;
  std::vector<float> values;
};

// The zigzag order of an 8x8 block (JPEG's): kZigzag[i] is the raster index (row * 8 + column) of
// the i-th coefficient coded.
extern const uint8_t kZigzag[kResidualBlockSize];

// Checks dimensions against the caps above; on failure says which one is wrong.
bool check_residual_dims(int planes, int blocks_x, int blocks_y, std::string* error);

// The coded stream, or an empty vector when the dimensions are outside the caps, levels.size()
// does not match them, or a level exceeds kMaxResidualLevel in magnitude.
std::vector<uint8_t> encode_residual(const ResidualPlanes& levels);

// Quantises and codes in one pass (rate-distortion optimised quantisation): each block's levels are
// those with the least squared error (in squared steps) + lambda * bits, the bits priced by the
// contexts as they stand when the block is coded; a block may keep fewer levels than rounding
// gives, or none. The stream decodes with decode_residual() like any other; `chosen`, when given,
// receives the levels it holds. Empty on dimensions outside the caps or values.size() not matching.
std::vector<uint8_t> encode_residual_rdo(const ResidualCoefficients& coefficients, double lambda,
                                         ResidualPlanes* chosen = nullptr);

// Decodes a stream made by encode_residual() with the same dimensions. Returns false with a message
// on bad dimensions, a level out of range, a truncated stream or bytes left over; a stream damaged in
// the middle may also decode "successfully" to wrong levels (the container's CRC catches that).
bool decode_residual(const uint8_t* data, size_t size, int planes, int blocks_x, int blocks_y, ResidualPlanes* out,
                     std::string* error);

}  // namespace bsq::entropy

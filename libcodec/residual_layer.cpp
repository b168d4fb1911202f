// The residual layer's transforms: colour planes, 8x8 DCT, quantiser (residual_layer.h).
#include "residual_layer.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "colour_planes.h"
#include "container_format.h"

namespace bsq::codec_detail {

namespace {

constexpr int kSide = entropy::kResidualBlockSide;
constexpr int kPlanes = kColourPlanes;

// The orthonormal colour basis, one row per plane: the colour axes normalised.
const std::array<std::array<double, 3>, kPlanes> kColour = [] {
  std::array<std::array<double, 3>, kPlanes> basis{};
  for (int p = 0; p < kPlanes; ++p)
    for (int c = 0; c < 3; ++c) basis[p][c] = kColourAxes[p][c] / std::sqrt(double(kColourAxisNorm2[p]));
  return basis;
}();

// The orthonormal DCT-II matrix: kDct[k][n] = a_k cos((2n + 1) k pi / 16).
const std::array<std::array<double, kSide>, kSide> kDct = [] {
  std::array<std::array<double, kSide>, kSide> t{};
  const double pi = std::acos(-1.0);
  for (int k = 0; k < kSide; ++k)
    for (int n = 0; n < kSide; ++n)
      t[k][n] =
          (k == 0 ? std::sqrt(1.0 / kSide) : std::sqrt(2.0 / kSide)) * std::cos((2 * n + 1) * k * pi / (2 * kSide));
  return t;
}();

using Block = std::array<double, kSide * kSide>;

// out = kDct * in * kDct^T (forward) or kDct^T * in * kDct (inverse), row-major 8x8.
Block transform(const Block& in, bool inverse) {
  Block mid{}, out{};
  for (int r = 0; r < kSide; ++r)
    for (int c = 0; c < kSide; ++c) {
      double s = 0;
      for (int n = 0; n < kSide; ++n) s += (inverse ? kDct[n][r] : kDct[r][n]) * in[n * kSide + c];
      mid[r * kSide + c] = s;
    }
  for (int r = 0; r < kSide; ++r)
    for (int c = 0; c < kSide; ++c) {
      double s = 0;
      for (int n = 0; n < kSide; ++n) s += mid[r * kSide + n] * (inverse ? kDct[n][c] : kDct[c][n]);
      out[r * kSide + c] = s;
    }
  return out;
}

// Where a block's 64 values start in the plane-major layout of the levels and coefficients.
size_t level_index(int blocks_x, int blocks_y, int plane, int bx, int by) {
  return ((static_cast<size_t>(plane) * blocks_y + by) * blocks_x + bx) * entropy::kResidualBlockSize;
}

}  // namespace

double residual_step_value(uint32_t step) { return static_cast<double>(step) / bitstream::kResidualStepOne; }

entropy::ResidualCoefficients residual_coefficients(const Image& original, const Image& base, uint32_t step) {
  entropy::ResidualCoefficients r{kPlanes, residual_blocks(original.width), residual_blocks(original.height), {}};
  r.values.assign(static_cast<size_t>(kPlanes) * r.blocks_x * r.blocks_y * entropy::kResidualBlockSize, 0);
  const double inverse_step = 1.0 / residual_step_value(step);
  for (int by = 0; by < r.blocks_y; ++by)
    for (int bx = 0; bx < r.blocks_x; ++bx) {
      Block planes[kPlanes];
      for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
          // Past the picture's edge, the edge pixel again: a smooth block codes cheaply.
          const int py = std::min(by * kSide + y, original.height - 1);
          const int px = std::min(bx * kSide + x, original.width - 1);
          const uint8_t* o = original.row(py) + 3 * px;
          const uint8_t* b = base.row(py) + 3 * px;
          const double d[3] = {double(o[0]) - b[0], double(o[1]) - b[1], double(o[2]) - b[2]};
          for (int p = 0; p < kPlanes; ++p)
            planes[p][y * kSide + x] = kColour[p][0] * d[0] + kColour[p][1] * d[1] + kColour[p][2] * d[2];
        }
      for (int p = 0; p < kPlanes; ++p) {
        const Block coefficients = transform(planes[p], false);
        float* values = r.values.data() + level_index(r.blocks_x, r.blocks_y, p, bx, by);
        for (int i = 0; i < entropy::kResidualBlockSize; ++i)
          values[i] = static_cast<float>(coefficients[entropy::kZigzag[i]] * inverse_step);
      }
    }
  return r;
}

void add_residual(const entropy::ResidualPlanes& r, uint32_t step, Image* picture) {
  const double s = residual_step_value(step);
  for (int by = 0; by < r.blocks_y; ++by)
    for (int bx = 0; bx < r.blocks_x; ++bx) {
      // Most blocks of most planes have no level at all: their residual is 0, with no transform.
      Block planes[kPlanes] = {};
      bool any = false;
      for (int p = 0; p < kPlanes; ++p) {
        const int16_t* levels = r.levels.data() + level_index(r.blocks_x, r.blocks_y, p, bx, by);
        Block coefficients{};
        bool coded = false;
        for (int i = 0; i < entropy::kResidualBlockSize; ++i) {
          coefficients[entropy::kZigzag[i]] = levels[i] * s;
          coded = coded || levels[i] != 0;
        }
        if (coded) planes[p] = transform(coefficients, true);
        any = any || coded;
      }
      if (!any) continue;
      const int rows = std::min(kSide, picture->height - by * kSide);
      const int cols = std::min(kSide, picture->width - bx * kSide);
      for (int y = 0; y < rows; ++y) {
        uint8_t* out = picture->row(by * kSide + y) + 3 * bx * kSide;
        for (int x = 0; x < cols; ++x)
          for (int ch = 0; ch < 3; ++ch) {
            double d = 0;
            for (int p = 0; p < kPlanes; ++p) d += kColour[p][ch] * planes[p][y * kSide + x];
            const double v = std::nearbyint(out[3 * x + ch] + d);
            out[3 * x + ch] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
          }
      }
    }
}

}  // namespace bsq::codec_detail

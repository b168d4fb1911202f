// The one definition of MS-SSIM in the project (Wang, Simoncelli and Bovik 2003), shared by the
// reported metric (core/metrics.cpp, 8-bit images in double) and the training loss
// (trainer/losses.cpp, LibTorch tensors), so the loss optimises what the evaluation reports. A test
// checks that both give the same value on the same images. Internal: not installed.
#pragma once

#include <algorithm>
#include <array>

namespace bsq::ms_ssim_spec {

// Gaussian window, 'valid' region only (no padding).
inline constexpr int kWindow = 11;
inline constexpr double kSigma = 1.5;
// Stabilisers, as fractions of the data range: C1 = (K1 L)^2, C2 = (K2 L)^2.
inline constexpr double kK1 = 0.01;
inline constexpr double kK2 = 0.03;
// The standard five scales and their exponents.
inline constexpr int kScales = 5;
inline constexpr std::array<double, kScales> kWeights = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
// A term below this counts as it: a negative mean (anti-correlated images) has no real fractional
// power, and zero none with a gradient.
inline constexpr double kTermFloor = 1e-6;

// Between scales, each side halves rounding up: 2x2 means, an odd last row or column averaged with
// itself (as the reference MATLAB code's symmetric filter then decimation does).
inline constexpr int next_side(int side) { return (side + 1) / 2; }

// Scales an image of this size takes: all five, or as many as keep a side of at least kWindow.
inline constexpr int scales_for(int width, int height) {
  int scales = 0;
  for (int side = std::min(width, height); scales < kScales && side >= kWindow; side = next_side(side)) ++scales;
  return scales;
}

// The exponent of scale s of `scales`: the standard weights (which sum to 1.0001) with all five,
// renormalised to sum to 1 over the scales used with fewer.
inline constexpr double weight(int s, int scales) {
  if (scales == kScales) return kWeights[s];
  double sum = 0;
  for (int i = 0; i < scales; ++i) sum += kWeights[i];
  return kWeights[s] / sum;
}

// Each scale but the last contributes the mean contrast-structure term; the last one the mean of
// the SSIM map (luminance times contrast-structure, per window). A colour image's MS-SSIM is the
// mean of its three channels' (R, G, B).

}  // namespace bsq::ms_ssim_spec

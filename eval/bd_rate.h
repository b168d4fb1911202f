// Bjontegaard deltas between two rate-distortion curves, and PSNR read off a curve at a given rate.
//
// Usage:
//   std::vector<bsq::rd::RdPoint> jpeg = {{0.3, 28.1}, {0.6, 31.0}, {1.1, 33.9}, {2.0, 37.2}};
//   std::vector<bsq::rd::RdPoint> webp = ...;
//   std::optional<double> pct = bsq::rd::bd_rate(jpeg, webp);  // -40.0: webp needs 40% fewer bits
//   if (!pct) ...                                              // "n/a": too few points or no overlap
//
// How a curve is fitted (both for BD-rate, log-rate over PSNR, and BD-PSNR, PSNR over log-rate):
// points with a non-finite or non-positive value are dropped and points with the same abscissa
// merged (mean); 4 or more distinct points get the classic cubic (least squares above 4, exact
// interpolation at 4); 2 or 3 points fall back to piecewise-linear interpolation, which is what a
// cubic would overshoot with so few; 1 point gives no delta. Both fits are integrated over the
// overlapping interval only; BD-rate = exp(mean difference of ln rate) - 1.
#pragma once

#include <optional>
#include <vector>

namespace bsq::rd {

struct RdPoint {
  double rate = 0;  // bits per pixel (any unit works: BD-rate is a ratio)
  double psnr = 0;  // dB
};

// Percent rate of `test` relative to `anchor` at equal PSNR (negative: test needs fewer bits).
std::optional<double> bd_rate(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test);
// Mean PSNR gain in dB of `test` over `anchor` at equal rate.
std::optional<double> bd_psnr(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test);
// PSNR of the curve at `rate`, linear in log-rate between the two nearest measured rates; nullopt
// outside the measured range (no extrapolation).
std::optional<double> psnr_at_rate(const std::vector<RdPoint>& curve, double rate);

}  // namespace bsq::rd

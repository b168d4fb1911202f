// Quality -> operating point: which model of a set codes an image, and with how many bits per token.
#include <algorithm>
#include <cmath>
#include <limits>

#include "bsq/codec.h"

namespace bsq {
namespace {

double lowest_raw_bpp(const ModelConfig& c) { return static_cast<double>(c.lowest_bits()) / (c.patch * c.patch); }

// How far a log-rate lies outside a model's log-rate range; 0 inside it.
double log_distance(const ModelConfig& c, double log_rate) {
  const double lo = std::log(lowest_raw_bpp(c)), hi = std::log(c.raw_bpp());
  // Rounding must not push the set's own end points out of the ranges that end there.
  constexpr double kSlack = 1e-9;
  return std::max({0.0, lo - log_rate - kSlack, log_rate - hi - kSlack});
}

}  // namespace

OperatingPoint operating_point(const std::vector<ModelConfig>& models, int quality) {
  if (models.empty()) return {};
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const auto& c : models) {
    lo = std::min(lo, lowest_raw_bpp(c));
    hi = std::max(hi, c.raw_bpp());
  }
  // In log rate, so that equal quality steps are about equal steps in PSNR.
  const double t = (std::clamp(quality, 1, 100) - 1) / 99.0;
  const double log_rate = (1.0 - t) * std::log(lo) + t * std::log(hi);  // exact at both ends
  OperatingPoint point;
  double best = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < models.size(); ++i) {
    // Strictly nearer only: on a tie (both ranges hold the rate) the earlier model wins.
    const double d = log_distance(models[i], log_rate);
    if (d < best) best = d, point.model = i;
  }
  const ModelConfig& c = models[point.model];
  const long bits = std::lround(std::exp(log_rate) * c.patch * c.patch);
  point.bits = static_cast<int>(std::clamp<long>(bits, c.lowest_bits(), c.bits));
  return point;
}

int bits_for_quality(const ModelConfig& config, int quality) { return operating_point({config}, quality).bits; }

}  // namespace bsq

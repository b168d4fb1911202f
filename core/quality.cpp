// Quality -> operating point: which model of a set codes an image, and with how many bits per token.
#include "bsq/quality.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace bsq {
namespace {

double lowest_raw_bpp(const ModelConfig& c) { return static_cast<double>(c.lowest_bits()) / (c.patch * c.patch); }

// The bits per token of model c nearest the raw rate exp(log_rate), within its range.
int nearest_bits(const ModelConfig& c, double log_rate) {
  const long bits = std::lround(std::exp(log_rate) * c.patch * c.patch);
  return static_cast<int>(std::clamp<long>(bits, c.lowest_bits(), c.bits));
}

// The log of the raw rate r that `quality` asks of a non-empty set.
double target_log_rate(const std::vector<ModelConfig>& models, int quality) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const auto& c : models) {
    lo = std::min(lo, lowest_raw_bpp(c));
    hi = std::max(hi, c.raw_bpp());
  }
  // In log rate, so that equal quality steps are about equal steps in PSNR.
  const double t = (std::clamp(quality, 1, 100) - 1) / 99.0;
  return (1.0 - t) * std::log(lo) + t * std::log(hi);  // exact at both ends
}

}  // namespace

OperatingPoint operating_point(const std::vector<ModelConfig>& models, int quality) {
  if (models.empty()) return {};
  const double log_rate = target_log_rate(models, quality);
  OperatingPoint point;
  double best = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < models.size(); ++i) {
    const ModelConfig& c = models[i];
    const int bits = nearest_bits(c, log_rate);
    // Strictly nearer only: where two models give the same raw rate (default.bsqm's 32 bits per 8x8
    // patch and fine.bsqm's 8 per 4x4), the earlier one codes it, whichever side of it r lies.
    // Both rates are exact binary fractions, so such ties are exact.
    const double d = std::abs(std::log(static_cast<double>(bits) / (c.patch * c.patch)) - log_rate);
    if (d < best) best = d, point.model = i, point.bits = bits;
  }
  return point;
}

std::optional<RateGap> rate_gap(const std::vector<ModelConfig>& models, int quality) {
  if (models.empty()) return std::nullopt;
  const double log_rate = target_log_rate(models, quality);
  // The highest top below r and the lowest bottom above it, the earliest model on a tie; a model
  // whose range holds r means no gap.
  RateGap gap;
  double below = -std::numeric_limits<double>::infinity(), above = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < models.size(); ++i) {
    const ModelConfig& c = models[i];
    const double bottom = std::log(lowest_raw_bpp(c)), top = std::log(c.raw_bpp());
    if (bottom <= log_rate && log_rate <= top) return std::nullopt;
    if (top < log_rate && top > below) below = top, gap.lower = {i, c.bits};
    if (bottom > log_rate && bottom < above) above = bottom, gap.upper = {i, c.lowest_bits()};
  }
  // Not reached: r lies within the set's span, so some model lies on each side of it.
  if (!std::isfinite(below) || !std::isfinite(above)) return std::nullopt;
  const double t = (log_rate - below) / (above - below);  // in (0, 1): r is strictly inside
  gap.price = kHighRatePrice * (1.0 - t) / t;
  return gap;
}

Status check_effort(int effort) {
  if (effort >= kMinEffort && effort <= kMaxEffort) return Status::Ok();
  return Status(StatusCode::kInvalidArgument, "effort " + std::to_string(effort) + " is outside " +
                                                  std::to_string(kMinEffort) + ".." + std::to_string(kMaxEffort));
}

double residual_step(int quality) {
  if (quality < kResidualQuality) return 0.0;
  const double t = static_cast<double>(std::min(quality, 100) - kResidualQuality) / (100 - kResidualQuality);
  return kResidualCoarsestStep * std::pow(kResidualFinestStep / kResidualCoarsestStep, t);
}

int token_quality(int quality) { return quality >= kResidualQuality ? kResidualBaseQuality : quality; }

int bits_for_quality(const ModelConfig& config, int quality) { return operating_point({config}, quality).bits; }

}  // namespace bsq

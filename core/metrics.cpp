// PSNR and MS-SSIM over 8-bit RGB; PSNR is accumulated in integers so it is exact and repeatable.
#include "bsq/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ms_ssim_spec.h"

namespace bsq {

StatusOr<double> mse(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size() || a.rgb.empty())
    return Status(StatusCode::kInvalidArgument, "metrics: images differ in size or are empty");
  uint64_t sum = 0;  // 2^28 pixels * 3 * 255^2 < 2^64
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    const int d = static_cast<int>(a.rgb[i]) - static_cast<int>(b.rgb[i]);
    sum += static_cast<uint64_t>(d * d);
  }
  return static_cast<double>(sum) / static_cast<double>(a.rgb.size());
}

StatusOr<double> psnr(const Image& a, const Image& b) {
  auto e = mse(a, b);
  if (!e.ok()) return e.status();
  if (e.value() == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / e.value());
}

namespace {

namespace spec = ms_ssim_spec;
constexpr int kWindow = spec::kWindow;
constexpr double kC1 = (spec::kK1 * 255) * (spec::kK1 * 255);
constexpr double kC2 = (spec::kK2 * 255) * (spec::kK2 * 255);

struct Plane {
  int w = 0, h = 0;
  std::vector<double> v;
  double at(int x, int y) const { return v[static_cast<size_t>(y) * w + x]; }
};

Plane channel(const Image& im, int c) {
  Plane p{im.width, im.height, std::vector<double>(static_cast<size_t>(im.width) * im.height)};
  for (size_t i = 0; i < p.v.size(); ++i) p.v[i] = im.rgb[i * 3 + c];
  return p;
}

// 2x2 average, taking the odd last row/column with its mirror (itself): spec::next_side().
Plane downsample(const Plane& p) {
  Plane d{spec::next_side(p.w), spec::next_side(p.h), {}};
  d.v.resize(static_cast<size_t>(d.w) * d.h);
  for (int y = 0; y < d.h; ++y)
    for (int x = 0; x < d.w; ++x) {
      const int x0 = 2 * x, y0 = 2 * y, x1 = std::min(x0 + 1, p.w - 1), y1 = std::min(y0 + 1, p.h - 1);
      d.v[static_cast<size_t>(y) * d.w + x] = (p.at(x0, y0) + p.at(x1, y0) + p.at(x0, y1) + p.at(x1, y1)) / 4;
    }
  return d;
}

// Separable Gaussian filter, 'valid' region only (no padding), as in the reference code.
Plane gaussian_valid(const Plane& p) {
  static const std::array<double, kWindow> g = [] {
    std::array<double, kWindow> k{};
    double sum = 0;
    for (int i = 0; i < kWindow; ++i) {
      const int d = i - kWindow / 2;
      sum += k[i] = std::exp(-d * d / (2 * spec::kSigma * spec::kSigma));
    }
    for (double& x : k) x /= sum;
    return k;
  }();
  const int ow = p.w - kWindow + 1, oh = p.h - kWindow + 1;
  std::vector<double> tmp(static_cast<size_t>(ow) * p.h);
  for (int y = 0; y < p.h; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int k = 0; k < kWindow; ++k) s += g[k] * p.at(x + k, y);
      tmp[static_cast<size_t>(y) * ow + x] = s;
    }
  Plane out{ow, oh, std::vector<double>(static_cast<size_t>(ow) * oh)};
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int k = 0; k < kWindow; ++k) s += g[k] * tmp[static_cast<size_t>(y + k) * ow + x];
      out.v[static_cast<size_t>(y) * ow + x] = s;
    }
  return out;
}

Plane product(const Plane& a, const Plane& b) {
  Plane p{a.w, a.h, a.v};
  for (size_t i = 0; i < p.v.size(); ++i) p.v[i] *= b.v[i];
  return p;
}

// Mean of the SSIM map and mean contrast-structure term at one scale.
std::pair<double, double> ssim_terms(const Plane& x, const Plane& y) {
  const Plane mx = gaussian_valid(x), my = gaussian_valid(y);
  const Plane sxx = gaussian_valid(product(x, x)), syy = gaussian_valid(product(y, y));
  const Plane sxy = gaussian_valid(product(x, y));
  double ssim_sum = 0, cs_sum = 0;
  for (size_t i = 0; i < mx.v.size(); ++i) {
    const double m1 = mx.v[i], m2 = my.v[i];
    const double v1 = sxx.v[i] - m1 * m1, v2 = syy.v[i] - m2 * m2, c12 = sxy.v[i] - m1 * m2;
    const double cs = (2 * c12 + kC2) / (v1 + v2 + kC2);
    ssim_sum += (2 * m1 * m2 + kC1) / (m1 * m1 + m2 * m2 + kC1) * cs;
    cs_sum += cs;
  }
  const double n = static_cast<double>(mx.v.size());
  return {ssim_sum / n, cs_sum / n};
}

double ms_ssim_plane(Plane x, Plane y, int scales) {
  double result = 1;
  for (int s = 0; s < scales; ++s) {
    auto [ssim, cs] = ssim_terms(x, y);
    const double term = s + 1 == scales ? ssim : cs;
    result *= std::pow(std::max(term, spec::kTermFloor), spec::weight(s, scales));
    if (s + 1 < scales) x = downsample(x), y = downsample(y);
  }
  return result;
}

}  // namespace

StatusOr<double> ms_ssim(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size() || a.rgb.empty())
    return Status(StatusCode::kInvalidArgument, "metrics: images differ in size or are empty");
  // Images too small for 5 scales use as many as fit. Below 11x11 even one scale has no valid window.
  const int scales = spec::scales_for(a.width, a.height);
  if (scales == 0) return Status(StatusCode::kInvalidArgument, "metrics: MS-SSIM needs at least 11x11 pixels");
  double sum = 0;
  for (int c = 0; c < 3; ++c) sum += ms_ssim_plane(channel(a, c), channel(b, c), scales);
  return sum / 3;
}

}  // namespace bsq

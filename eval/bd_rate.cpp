// Bjontegaard BD-rate / BD-PSNR: cubic (or piecewise-linear) fits integrated over the overlap.
#include "bd_rate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace bsq::rd {
namespace {

// y(x) fitted to samples: a cubic in a normalised abscissa t = (x - center) / scale, which keeps
// the 4x4 normal equations well conditioned (PSNR values near 30 would make x^3 ~ 1e4 otherwise),
// or the piecewise-linear interpolant of the samples.
class CurveFit {
 public:
  // Returns nullopt when fewer than 2 distinct abscissae remain.
  static std::optional<CurveFit> make(std::vector<std::pair<double, double>> xy) {
    xy.erase(std::remove_if(xy.begin(), xy.end(),
                            [](auto& p) { return !std::isfinite(p.first) || !std::isfinite(p.second); }),
             xy.end());
    std::sort(xy.begin(), xy.end());
    CurveFit f;
    for (size_t i = 0; i < xy.size();) {  // merge equal abscissae into their mean ordinate
      size_t j = i;
      double sum = 0;
      for (; j < xy.size() && xy[j].first == xy[i].first; ++j) sum += xy[j].second;
      f.pts_.push_back({xy[i].first, sum / static_cast<double>(j - i)});
      i = j;
    }
    if (f.pts_.size() < 2) return std::nullopt;
    f.cubic_ = f.pts_.size() >= 4 && f.fit_cubic();
    return f;
  }
  double lo() const { return pts_.front().first; }
  double hi() const { return pts_.back().first; }

  // Integral of the fit over [a, b], a subset of [lo(), hi()].
  double integral(double a, double b) const {
    if (cubic_) {
      const double ta = (a - center_) / scale_, tb = (b - center_) / scale_;
      double s = 0;
      for (int k = 0; k < 4; ++k) s += coef_[k] * (std::pow(tb, k + 1) - std::pow(ta, k + 1)) / (k + 1);
      return s * scale_;
    }
    double s = 0;
    for (size_t i = 0; i + 1 < pts_.size(); ++i) {
      const double x0 = std::max(a, pts_[i].first), x1 = std::min(b, pts_[i + 1].first);
      if (x1 <= x0) continue;
      s += (x1 - x0) * (value_linear(x0, i) + value_linear(x1, i)) / 2;  // trapezoid is exact
    }
    return s;
  }

 private:
  double value_linear(double x, size_t seg) const {
    const auto& [x0, y0] = pts_[seg];
    const auto& [x1, y1] = pts_[seg + 1];
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
  }

  // Least squares by the normal equations, solved with partial pivoting.
  bool fit_cubic() {
    center_ = (lo() + hi()) / 2;
    scale_ = (hi() - lo()) / 2;
    std::array<std::array<double, 5>, 4> m{};  // augmented [A^T A | A^T y]
    for (const auto& [x, y] : pts_) {
      const double t = (x - center_) / scale_;
      const std::array<double, 4> row = {1, t, t * t, t * t * t};
      for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 4; ++c) m[r][c] += row[r] * row[c];
        m[r][4] += row[r] * y;
      }
    }
    for (int col = 0; col < 4; ++col) {
      int piv = col;
      for (int r = col + 1; r < 4; ++r)
        if (std::fabs(m[r][col]) > std::fabs(m[piv][col])) piv = r;
      if (std::fabs(m[piv][col]) < 1e-12) return false;
      std::swap(m[col], m[piv]);
      for (int r = 0; r < 4; ++r) {
        if (r == col) continue;
        const double f = m[r][col] / m[col][col];
        for (int c = col; c < 5; ++c) m[r][c] -= f * m[col][c];
      }
    }
    for (int k = 0; k < 4; ++k) coef_[k] = m[k][4] / m[k][k];
    return true;
  }

  std::vector<std::pair<double, double>> pts_;  // sorted, distinct abscissae
  bool cubic_ = false;
  double center_ = 0, scale_ = 1;
  std::array<double, 4> coef_{};
};

// Mean of (test - anchor) over the overlapping abscissa interval of the two fits.
std::optional<double> mean_difference(const std::optional<CurveFit>& anchor, const std::optional<CurveFit>& test) {
  if (!anchor || !test) return std::nullopt;
  const double a = std::max(anchor->lo(), test->lo()), b = std::min(anchor->hi(), test->hi());
  if (!(b > a)) return std::nullopt;
  return (test->integral(a, b) - anchor->integral(a, b)) / (b - a);
}

std::optional<CurveFit> fit(const std::vector<RdPoint>& curve, bool rate_over_psnr) {
  std::vector<std::pair<double, double>> xy;
  for (const RdPoint& p : curve) {
    const double log_rate = p.rate > 0 ? std::log(p.rate) : NAN;
    xy.emplace_back(rate_over_psnr ? p.psnr : log_rate, rate_over_psnr ? log_rate : p.psnr);
  }
  return CurveFit::make(std::move(xy));
}

}  // namespace

std::optional<double> bd_rate(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test) {
  auto d = mean_difference(fit(anchor, true), fit(test, true));
  if (!d) return std::nullopt;
  return (std::exp(*d) - 1) * 100;
}

std::optional<double> bd_psnr(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test) {
  return mean_difference(fit(anchor, false), fit(test, false));
}

std::optional<double> psnr_at_rate(const std::vector<RdPoint>& curve, double rate) {
  std::vector<RdPoint> pts;
  for (const RdPoint& p : curve)
    if (p.rate > 0 && std::isfinite(p.rate) && std::isfinite(p.psnr)) pts.push_back(p);
  std::sort(pts.begin(), pts.end(), [](const RdPoint& a, const RdPoint& b) { return a.rate < b.rate; });
  if (pts.empty() || !(rate > 0) || rate < pts.front().rate || rate > pts.back().rate) return std::nullopt;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    if (rate > pts[i + 1].rate) continue;
    const double x0 = std::log(pts[i].rate), x1 = std::log(pts[i + 1].rate);
    if (x1 == x0) return pts[i].psnr;
    return pts[i].psnr + (pts[i + 1].psnr - pts[i].psnr) * (std::log(rate) - x0) / (x1 - x0);
  }
  return pts.back().psnr;  // a single point, hit exactly
}

}  // namespace bsq::rd

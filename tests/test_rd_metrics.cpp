// PSNR, MS-SSIM and BD-rate on hand-computed cases and known properties.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "bd_rate.h"
#include "bsq/metrics.h"
#include "rd_table.h"

using namespace bsq;
using rd::RdPoint;

namespace {

Image constant(int w, int h, uint8_t v) {
  Image im(w, h);
  for (auto& x : im.rgb) x = v;
  return im;
}

Image noisy(const Image& im, double sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, sigma);
  Image out = im;
  for (auto& x : out.rgb) x = static_cast<uint8_t>(std::clamp(std::lround(x + n(rng)), 0L, 255L));
  return out;
}

Image gradient(int w, int h) {
  Image im(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.row(y)[x * 3 + c] = static_cast<uint8_t>((x * 3 + y * 2 + c * 40) % 256);
  return im;
}

// SSIM luminance term of two constants: with no variance the contrast-structure term is C2/C2 = 1.
double luminance(double a, double b) {
  const double c1 = (0.01 * 255) * (0.01 * 255);
  return (2 * a * b + c1) / (a * a + b * b + c1);
}

}  // namespace

TEST_CASE("PSNR: identical images and a constant offset") {
  const Image a = constant(16, 16, 100);
  CHECK(std::isinf(psnr(a, a).value()));
  const Image b = constant(16, 16, 104);  // MSE = 16 on every sample
  CHECK(psnr(a, b).value() == doctest::Approx(10 * std::log10(255.0 * 255.0 / 16)));
}

TEST_CASE("MS-SSIM: hand-computed constant images") {
  const Image a = gradient(200, 180);
  CHECK(ms_ssim(a, a).value() == doctest::Approx(1.0).epsilon(1e-12));
  // 11x11: one scale, whose weight is renormalised to 1, so MS-SSIM is the luminance term itself.
  CHECK(ms_ssim(constant(11, 11, 100), constant(11, 11, 110)).value() == doctest::Approx(luminance(100, 110)));
  // 176x176: five scales; constants keep cs = 1 at every scale and the same l at the coarsest.
  CHECK(ms_ssim(constant(176, 176, 100), constant(176, 176, 110)).value() ==
        doctest::Approx(std::pow(luminance(100, 110), 0.1333)));
  CHECK_FALSE(ms_ssim(constant(10, 40, 1), constant(10, 40, 1)).ok());  // smaller than the window
  CHECK_FALSE(ms_ssim(constant(20, 20, 1), constant(21, 20, 1)).ok());
}

TEST_CASE("MS-SSIM: an 11x11 image is one Gaussian-weighted SSIM window") {
  // One scale, one window position: MS-SSIM is l * cs from Gaussian-weighted moments, per channel.
  const Image a = noisy(constant(11, 11, 120), 30, 7), b = noisy(a, 10, 8);
  double g[11], gsum = 0;
  for (int i = 0; i < 11; ++i) gsum += g[i] = std::exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
  const double c1 = 2.55 * 2.55, c2 = 7.65 * 7.65;
  double expected = 0;
  for (int c = 0; c < 3; ++c) {
    double m1 = 0, m2 = 0, s11 = 0, s22 = 0, s12 = 0;
    for (int y = 0; y < 11; ++y)
      for (int x = 0; x < 11; ++x) {
        const double w = g[x] * g[y] / (gsum * gsum), u = a.row(y)[x * 3 + c], v = b.row(y)[x * 3 + c];
        m1 += w * u, m2 += w * v, s11 += w * u * u, s22 += w * v * v, s12 += w * u * v;
      }
    const double v1 = s11 - m1 * m1, v2 = s22 - m2 * m2, cov = s12 - m1 * m2;
    expected += (2 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1) * (2 * cov + c2) / (v1 + v2 + c2) / 3;
  }
  CHECK(ms_ssim(a, b).value() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("MS-SSIM: symmetric and decreasing as noise grows") {
  const Image a = gradient(192, 160);
  const Image light = noisy(a, 5, 1), heavy = noisy(a, 20, 1);
  const double m_light = ms_ssim(a, light).value(), m_heavy = ms_ssim(a, heavy).value();
  CHECK(ms_ssim(light, a).value() == doctest::Approx(m_light).epsilon(1e-12));
  CHECK(m_light < 1);
  CHECK(m_heavy < m_light);
  CHECK(m_heavy > 0);
}

TEST_CASE("BD-rate: identical curves and half or double rate") {
  const std::vector<RdPoint> anchor = {{0.25, 28.0}, {0.5, 31.0}, {1.0, 34.5}, {2.0, 38.0}, {3.0, 40.0}};
  for (size_t n : {2, 3, 4, 5}) {  // piecewise-linear (2, 3), interpolating cubic (4), least squares (5)
    CAPTURE(n);
    const std::vector<RdPoint> a(anchor.begin(), anchor.begin() + n);
    std::vector<RdPoint> half = a, twice = a;
    for (auto& p : half) p.rate /= 2;
    for (auto& p : twice) p.rate *= 2;
    CHECK(std::fabs(rd::bd_rate(a, a).value()) < 1e-6);
    CHECK(rd::bd_rate(a, half).value() == doctest::Approx(-50.0).epsilon(1e-8));
    CHECK(rd::bd_rate(a, twice).value() == doctest::Approx(100.0).epsilon(1e-8));
  }
  std::vector<RdPoint> better = anchor;
  for (auto& p : better) p.psnr += 1.5;
  CHECK(rd::bd_psnr(anchor, better).value() == doctest::Approx(1.5));
  CHECK(rd::bd_rate(anchor, better).value() < 0);
}

TEST_CASE("BD-rate: cubic curves are fitted exactly and integrated over the overlap only") {
  // ln rate = cubic(PSNR) for the anchor; the test adds 0.1 (PSNR - 30). Over the overlap [28, 36]
  // the mean of 0.1 (PSNR - 30) is 0.2, whatever the anchor does beyond 36.
  auto cubic = [](double x) { return -3 + 0.2 * (x - 30) - 0.01 * (x - 30) * (x - 30) + 0.001 * std::pow(x - 30, 3); };
  std::vector<RdPoint> anchor, test;
  for (double x : {26.0, 29.0, 31.0, 34.0, 38.0}) anchor.push_back({std::exp(cubic(x)), x});
  for (double x : {28.0, 30.0, 33.0, 36.0}) test.push_back({std::exp(cubic(x) + 0.1 * (x - 30)), x});
  CHECK(rd::bd_rate(anchor, test).value() == doctest::Approx((std::exp(0.2) - 1) * 100).epsilon(1e-9));
}

TEST_CASE("BD-rate: n/a without overlap or with a single point") {
  const std::vector<RdPoint> low = {{0.1, 20.0}, {0.2, 22.0}, {0.4, 24.0}, {0.8, 26.0}};
  const std::vector<RdPoint> high = {{1.0, 30.0}, {2.0, 33.0}, {4.0, 36.0}, {8.0, 39.0}};
  CHECK_FALSE(rd::bd_rate(low, high).has_value());
  CHECK_FALSE(rd::bd_rate(low, {{0.3, 23.0}}).has_value());
  CHECK_FALSE(rd::bd_rate(low, {}).has_value());
}

TEST_CASE("PSNR at a rate: linear in log-rate without extrapolation") {
  const std::vector<RdPoint> c = {{0.25, 28.0}, {1.0, 34.0}};
  CHECK(rd::psnr_at_rate(c, 0.5).value() == doctest::Approx(31.0));  // log-midpoint
  CHECK(rd::psnr_at_rate(c, 1.0).value() == doctest::Approx(34.0));
  CHECK_FALSE(rd::psnr_at_rate(c, 2.0).has_value());
  CHECK(rd::psnr_at_rate({{0.4, 30.0}}, 0.4).value() == doctest::Approx(30.0));
}

TEST_CASE("curves: mean of per-image bpp and PSNR per quality") {
  std::vector<rd::RdRow> rows = {{"jpeg", "50", "a", 8, 8, 8, 1.0, 30.0, 0.9},
                                 {"jpeg", "50", "b", 8, 8, 16, 2.0, 34.0, 0.95},
                                 {"jpeg", "10", "a", 8, 8, 4, 0.5, 25.0, 0.8},
                                 {"bsq", "q90", "a", 8, 8, 4, 0.5, 29.0, 0.9}};
  const auto curves = rd::average_curves(rows);
  REQUIRE(curves.size() == 2);
  CHECK(curves[0].codec == "jpeg");
  REQUIRE(curves[0].points.size() == 2);
  CHECK(curves[0].points[0].quality == "10");  // ascending bpp
  CHECK(curves[0].points[1].bpp == doctest::Approx(1.5));
  CHECK(curves[0].points[1].psnr == doctest::Approx(32.0));
  CHECK(curves[0].points[1].images == 2);
  CHECK(rd::compressai_json(curves[1]).find("\"psnr-rgb\": [29]") != std::string::npos);
}

TEST_CASE("rd.csv: columns by name, extra columns ignored, ms_ssim_rgb optional (video_rd.sh's)") {
  const std::string path = "test_rd_metrics_video.csv";
  {
    std::ofstream out(path);
    out << "codec,quality,image,width,height,frames,bytes,bpp,psnr_rgb,psnr_rgb_total_mse,encode_s,decode_s\n"
        << "x264,28,tree,320,240,68,9000,0.0138,31.5,31.2,1.5,0.2\n";
  }
  const auto rows = rd::read_rd_csv(path);
  std::remove(path.c_str());
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).image == "tree");
  CHECK(rows->at(0).bytes == 9000);
  CHECK(rows->at(0).psnr == doctest::Approx(31.5));
  CHECK(std::isnan(rows->at(0).ms_ssim));
  CHECK(rd::compressai_json(rd::average_curves(rows.value())[0]).find("\"ms-ssim-rgb\": [null]") != std::string::npos);
}

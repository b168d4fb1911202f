// bsq_adaptive_rate_study MODEL IMAGE...: how much a per-window choice of the kept bits (issue 13,
// lever 2) could save with a nested-bit model, before building it.
//
// For each image: the tokens once at the model's full bits, then for each k the k-bit prefix
// decoded to pixels, and per attention window its squared error and its tokens' code length under
// the prior (the prior run at k bits over the whole grid). Uniform k gives the plain curve; for a
// sweep of Lagrange multipliers, each window then takes the k minimising SSE + lambda * bits, which
// gives the adaptive curve. Both are pooled over the images (total bits / total pixels, PSNR of the
// total SSE) and compared by BD-rate. An estimate, on the optimistic side: a window decoded among
// neighbours of other k is taken to look as it does among neighbours of its own k, and a stream
// of mixed k would also code the k map and have its prior conditioned on mixed neighbours.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "bd_rate.h"
#include "bsq/tokenizer.h"
#include "media/image_io.h"
#include "token_coder.h"

namespace {

struct Measured {
  int windows = 0;
  double pixels = 0;
  std::vector<std::vector<double>> sse, bits;  // [k index][window]
};

int fail(const bsq::Status& s) { return fmt::print(stderr, "bsq_adaptive_rate_study: {}\n", s.message()), 1; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fmt::print(stderr, "usage: bsq_adaptive_rate_study MODEL IMAGE...\n"), 2;
  bsq::RuntimeOptions runtime;
  auto tok = bsq::Tokenizer::open(argv[1], runtime);
  if (!tok.ok()) return fail(tok.status());
  const bsq::ModelConfig& c = tok->config();
  if (!c.scalable()) return fmt::print(stderr, "the model has one rate\n"), 2;
  std::vector<int> ks;
  for (int k = c.lowest_bits(); k <= c.bits; k += std::max(1, (c.bits - c.lowest_bits()) / 8)) ks.push_back(k);
  if (ks.back() != c.bits) ks.push_back(c.bits);
  const int wp = c.window_pixels(), wt = c.window;

  std::vector<Measured> images;
  for (int a = 2; a < argc; ++a) {
    auto image = bsq::media::read_image(argv[a]);
    if (!image.ok()) return fail(image.status());
    auto full = tok->encode(image.value(), c.bits);
    if (!full.ok()) return fail(full.status());
    const int wx = (image->width + wp - 1) / wp, wy = (image->height + wp - 1) / wp;
    Measured m;
    m.windows = wx * wy;
    m.pixels = static_cast<double>(image->width) * image->height;
    for (const int k : ks) {
      bsq::TokenGrid g = full.value();
      g.bits = k;
      for (auto& code : g.codes) code &= k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1;
      auto decoded = tok->decode(g);
      if (!decoded.ok()) return fail(decoded.status());
      std::vector<double> sse(m.windows, 0), bits(m.windows, 0);
      for (int y = 0; y < image->height; ++y)
        for (int x = 0; x < image->width; ++x)
          for (int ch = 0; ch < 3; ++ch) {
            const double d = static_cast<double>(image->row(y)[3 * x + ch]) - decoded->row(y)[3 * x + ch];
            sse[(y / wp) * wx + x / wp] += d * d;
          }
      const bsq::entropy::TokenPlane plane{g.frames, g.rows, g.cols, g.bits, g.codes};
      const std::vector<double> cost = bsq::entropy::token_code_lengths_bits(plane);
      for (int r = 0; r < g.rows; ++r)
        for (int q = 0; q < g.cols; ++q) {
          const int w = (r / wt) * wx + q / wt;
          if (w < m.windows && (q / wt) < wx) bits[w] += cost[static_cast<size_t>(r) * g.cols + q];
        }
      m.sse.push_back(std::move(sse));
      m.bits.push_back(std::move(bits));
    }
    images.push_back(std::move(m));
    fmt::print(stderr, "{}: measured at {} rates\n", argv[a], ks.size());
  }

  // Pooled over the images: mean bpp and PSNR of the mean per-image MSE, as eval/ averages.
  const auto point = [&](auto choose) {
    double bpp = 0, psnr = 0;
    for (const auto& m : images) {
      double sse = 0, bits = 0;
      for (int w = 0; w < m.windows; ++w) {
        const size_t i = choose(m, w);
        sse += m.sse[i][w];
        bits += m.bits[i][w];
      }
      bpp += bits / m.pixels / images.size();
      psnr += 10 * std::log10(255.0 * 255.0 / (sse / (3 * m.pixels))) / images.size();
    }
    return bsq::rd::RdPoint{bpp, psnr};
  };
  std::vector<bsq::rd::RdPoint> uniform, adaptive;
  fmt::print("k,bpp,psnr\n");
  for (size_t i = 0; i < ks.size(); ++i) {
    uniform.push_back(point([&](const Measured&, int) { return i; }));
    fmt::print("{},{:.4f},{:.3f}\n", ks[i], uniform.back().rate, uniform.back().psnr);
  }
  fmt::print("lambda,bpp,psnr\n");
  for (double lambda = 1; lambda < 1e6; lambda *= 1.5) {
    adaptive.push_back(point([&](const Measured& m, int w) {
      size_t best = 0;
      for (size_t i = 1; i < ks.size(); ++i)
        if (m.sse[i][w] + lambda * m.bits[i][w] < m.sse[best][w] + lambda * m.bits[best][w]) best = i;
      return best;
    }));
    fmt::print("{:.1f},{:.4f},{:.3f}\n", lambda, adaptive.back().rate, adaptive.back().psnr);
  }
  const auto bd = bsq::rd::bd_rate(uniform, adaptive);
  const auto dp = bsq::rd::bd_psnr(uniform, adaptive);
  fmt::print("BD-rate of per-window k against uniform k: {}; BD-PSNR {}\n", bd ? fmt::format("{:+.1f} %", *bd) : "n/a",
             dp ? fmt::format("{:+.3f} dB", *dp) : "n/a");
  return 0;
}

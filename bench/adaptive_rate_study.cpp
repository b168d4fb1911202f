// bsq_adaptive_rate_study MODEL IMAGE...: what a per-window choice of the kept bits (issue 13,
// lever 2) saves with a nested-bit model, before building it into the stream.
//
// For each image: the tokens once at the model's full bits (effort 1), then for each k the k-bit
// prefix decoded to pixels, and per attention window its squared error and its tokens' code length
// under the prior (the prior run at k bits over the whole grid). Uniform k gives the plain curve.
// For a sweep of Lagrange multipliers, each window then takes the k minimising SSE + lambda * bits,
// and two adaptive points come out of that choice:
// - stitched: each window's error as it decoded among neighbours of its own k (the first estimate,
//   optimistic: the network mixes windows through shifted attention and convolutions);
// - decoded: the grid of mixed k decoded as such (each token from its own leading bits), its real
//   error; the rate adds an estimate of the k map (adaptive order-0 code of the window choices).
// Both rates still price a token's bits as the prior does among neighbours of its own k, and a
// stream of mixed k would condition the prior on mixed neighbours. Points are means over the
// images of per-image bpp and PSNR, as eval/ averages; BD-rate compares each curve with uniform k.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "bd_rate.h"
#include "media/image_io.h"
#include "model/compute_precision.h"
#include "model/model_file.h"
#include "model/stripe_runner.h"
#include "token_coder.h"

namespace {

struct Measured {
  bsq::Image image;
  std::vector<uint64_t> codes;  // full bits
  int64_t rows = 0, cols = 0;
  int wx = 0, windows = 0;
  double pixels = 0;
  std::vector<std::vector<double>> sse, bits;  // [k index][window]
};

int fail(const bsq::Status& s) { return fmt::print(stderr, "bsq_adaptive_rate_study: {}\n", s.message()), 1; }

// Bits of the window choices under an adaptive order-0 model (Krichevsky-Trofimov counts), a
// stand-in for whatever codes the k map in a stream.
double map_bits(const std::vector<size_t>& choice, size_t symbols) {
  std::vector<double> count(symbols, 0.5);
  double total = 0.5 * static_cast<double>(symbols), bits = 0;
  for (const size_t s : choice) {
    bits -= std::log2(count[s] / total);
    count[s] += 1, total += 1;
  }
  return bits;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fmt::print(stderr, "usage: bsq_adaptive_rate_study MODEL IMAGE...\n"), 2;
  torch::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  auto loaded = bsq::model::load_model(argv[1]);
  if (!loaded.ok()) return fail(loaded.status());
  auto net = loaded->net;
  net->eval();
  for (auto& p : net->parameters()) p.set_requires_grad(false);
  const bool bf16 = bsq::model::cpu_has_fast_bfloat16();  // as bsqenc's --precision auto
  if (bf16) bsq::model::to_compute_precision(*net, torch::kBFloat16);
  const bsq::ModelConfig& c = net->config();
  if (!c.scalable()) return fmt::print(stderr, "the model has one rate\n"), 2;
  std::vector<int> ks;
  for (int k = c.lowest_bits(); k <= c.bits; k += std::max(1, (c.bits - c.lowest_bits()) / 8)) ks.push_back(k);
  if (ks.back() != c.bits) ks.push_back(c.bits);
  const int wp = c.window_pixels(), wt = c.window;
  const torch::Device cpu(torch::kCPU);
  torch::InferenceMode inference;

  // The window of each token (row-major), for turning a choice per window into bits per token.
  const auto token_bits = [&](const Measured& m, const auto& k_of_window) {
    std::vector<uint8_t> kept(m.codes.size());
    for (int64_t r = 0; r < m.rows; ++r)
      for (int64_t q = 0; q < m.cols; ++q)
        kept[r * m.cols + q] = static_cast<uint8_t>(k_of_window((r / wt) * m.wx + q / wt));
    return kept;
  };
  const auto window_sse = [&](const Measured& m, const bsq::Image& decoded) {
    std::vector<double> sse(m.windows, 0);
    for (int y = 0; y < m.image.height; ++y)
      for (int x = 0; x < m.image.width; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          const double d = static_cast<double>(m.image.row(y)[3 * x + ch]) - decoded.row(y)[3 * x + ch];
          sse[(y / wp) * m.wx + x / wp] += d * d;
        }
    return sse;
  };
  const auto decode = [&](const Measured& m, const std::vector<uint8_t>& kept) {
    return bsq::model::decode_in_stripes(net, m.codes, c.bits, m.image.width, m.image.height, cpu,
                                         bsq::model::kStripeTokens, &kept);
  };

  std::vector<Measured> images;
  for (int a = 2; a < argc; ++a) {
    auto image = bsq::media::read_image(argv[a]);
    if (!image.ok()) return fail(image.status());
    Measured m;
    m.image = std::move(image.value());
    m.codes = bsq::model::encode_in_stripes(net, m.image, c.bits, cpu);
    const auto plane = bsq::model::token_plane_size(c, m.image.width, m.image.height);
    m.rows = plane.rows, m.cols = plane.cols;
    m.wx = (m.image.width + wp - 1) / wp;
    m.windows = m.wx * ((m.image.height + wp - 1) / wp);
    m.pixels = static_cast<double>(m.image.width) * m.image.height;
    for (const int k : ks) {
      m.sse.push_back(window_sse(m, decode(m, token_bits(m, [&](int) { return k; }))));
      std::vector<uint64_t> prefix = m.codes;
      for (auto& code : prefix) code &= k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1;
      const bsq::entropy::TokenPlane plane_k{1, static_cast<int>(m.rows), static_cast<int>(m.cols), k, prefix};
      const std::vector<double> cost = bsq::entropy::token_code_lengths_bits(plane_k);
      std::vector<double> bits(m.windows, 0);
      for (int64_t r = 0; r < m.rows; ++r)
        for (int64_t q = 0; q < m.cols; ++q) bits[(r / wt) * m.wx + q / wt] += cost[r * m.cols + q];
      m.bits.push_back(std::move(bits));
    }
    images.push_back(std::move(m));
    fmt::print(stderr, "{}: measured at {} rates\n", argv[a], ks.size());
  }

  const auto psnr_of = [](double sse, double pixels) { return 10 * std::log10(255.0 * 255.0 / (sse / (3 * pixels))); };
  std::vector<bsq::rd::RdPoint> uniform, stitched, decoded;
  fmt::print("k,bpp,psnr\n");
  for (size_t i = 0; i < ks.size(); ++i) {
    bsq::rd::RdPoint p{0, 0};
    for (const auto& m : images) {
      double sse = 0, bits = 0;
      for (int w = 0; w < m.windows; ++w) sse += m.sse[i][w], bits += m.bits[i][w];
      p.rate += bits / m.pixels / images.size();
      p.psnr += psnr_of(sse, m.pixels) / images.size();
    }
    uniform.push_back(p);
    fmt::print("{},{:.4f},{:.3f}\n", ks[i], p.rate, p.psnr);
  }
  fmt::print("lambda,bpp,stitched_psnr,decoded_psnr,map_bpp\n");
  std::vector<std::vector<size_t>> last_choice;
  for (double lambda = 16; lambda <= 65536; lambda *= std::sqrt(2.0)) {
    std::vector<std::vector<size_t>> choices;
    for (const auto& m : images) {
      std::vector<size_t> choice(m.windows, 0);
      for (int w = 0; w < m.windows; ++w)
        for (size_t i = 1; i < ks.size(); ++i)
          if (m.sse[i][w] + lambda * m.bits[i][w] < m.sse[choice[w]][w] + lambda * m.bits[choice[w]][w]) choice[w] = i;
      choices.push_back(std::move(choice));
    }
    if (choices == last_choice) continue;  // the same points again
    bsq::rd::RdPoint s{0, 0}, d{0, 0};
    double map_bpp = 0;
    for (size_t n = 0; n < images.size(); ++n) {
      const Measured& m = images[n];
      const auto& choice = choices[n];
      double sse = 0, bits = 0;
      for (int w = 0; w < m.windows; ++w) sse += m.sse[choice[w]][w], bits += m.bits[choice[w]][w];
      const double map = map_bits(choice, ks.size());
      const bsq::Image back = decode(m, token_bits(m, [&](int w) { return ks[choice[w]]; }));
      double real_sse = 0;
      for (const double e : window_sse(m, back)) real_sse += e;
      s.rate += bits / m.pixels / images.size();
      s.psnr += psnr_of(sse, m.pixels) / images.size();
      d.rate += (bits + map) / m.pixels / images.size();
      d.psnr += psnr_of(real_sse, m.pixels) / images.size();
      map_bpp += map / m.pixels / images.size();
    }
    stitched.push_back(s);
    decoded.push_back(d);
    last_choice = std::move(choices);
    fmt::print("{:.1f},{:.4f},{:.3f},{:.3f},{:.5f}\n", lambda, s.rate, s.psnr, d.psnr, map_bpp);
    std::fflush(stdout);
  }
  const auto report = [&](const char* what, const std::vector<bsq::rd::RdPoint>& curve) {
    const auto bd = bsq::rd::bd_rate(uniform, curve);
    const auto dp = bsq::rd::bd_psnr(uniform, curve);
    fmt::print("BD-rate of per-window k, {}, against uniform k: {}; BD-PSNR {}\n", what,
               bd ? fmt::format("{:+.1f} %", *bd) : "n/a", dp ? fmt::format("{:+.3f} dB", *dp) : "n/a");
  };
  report("stitched", stitched);
  report("decoded with the k map's bits", decoded);
  fmt::print("# {} images, {}, effort 1 (no search)\n", images.size(), bf16 ? "bfloat16" : "float32");
  return 0;
}

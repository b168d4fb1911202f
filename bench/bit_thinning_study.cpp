// bsq_bit_thinning_study MODEL IMAGE...: what encoder-side search (issue 13, lever 3) could gain
// with a fixed decoder, in its cheapest form: after the encoder's signs are known, a bit whose
// latent lies close to its sign boundary (small |u_i|) and that the prior predicts to be the other
// value is flipped to that value, which the coder then codes for fewer bits. In coding order, with
// the prior's real probabilities: bit i of a token flips when margin_i < mu * (bits saved), margin
// as encode_in_stripes' confidence (64: a channel as far from 0 as the codeword's entries).
//
// For each nested rate k of the model (its bits, for a one-rate model), the plain k-bit point and
// the thinned points of a sweep of mu; then BD-rate of the model's full-bits thinned curve against
// its uniform-k curve (what thinning buys over dropping whole bits, for a nested model), or the
// thinned points alone (a one-rate model, to set beside the set's curve). Pooled as eval/ does:
// mean per-image bpp (ideal code length under the prior) and mean per-image RGB PSNR.
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "bd_rate.h"
#include "bsq/metrics.h"
#include "bsq/tokenizer.h"
#include "frame_traversal.h"
#include "media/image_io.h"
#include "model/model_file.h"
#include "model/stripe_runner.h"
#include "token_coder.h"

namespace {

int fail(const bsq::Status& s) { return fmt::print(stderr, "bsq_bit_thinning_study: {}\n", s.message()), 1; }

// The traversal's coder: codes (measures) each decision, flipping the bits the rule above picks.
struct ThinningCoder {
  const uint8_t* margin = nullptr;
  double mu = 0;
  size_t decision = 0;
  double bits = 0;
  uint64_t flips = 0;
  int code(int bit, uint32_t p1) {
    const double kept = bsq::entropy::detail::decision_bits(bit, p1);
    const double flipped = bsq::entropy::detail::decision_bits(bit ^ 1, p1);
    if (flipped < kept && margin[decision] < mu * (kept - flipped)) {
      bit ^= 1;
      ++flips;
    }
    ++decision;
    bits += bsq::entropy::detail::decision_bits(bit, p1);
    return bit;
  }
  void token_done() {}
  bool ok() const { return true; }
};

struct Point {
  double bpp = 0, psnr = 0, flipped = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fmt::print(stderr, "usage: bsq_bit_thinning_study MODEL IMAGE...\n"), 2;
  bsq::RuntimeOptions runtime;
  auto tok = bsq::Tokenizer::open(argv[1], runtime);
  if (!tok.ok()) return fail(tok.status());
  auto loaded = bsq::model::load_model(argv[1]);
  if (!loaded.ok()) return fail(loaded.status());
  auto net = loaded->net;
  net->eval();
  const bsq::ModelConfig& c = tok->config();
  std::vector<int> ks;
  for (int k = c.lowest_bits(); k < c.bits; k += std::max(1, (c.bits - c.lowest_bits()) / 6)) ks.push_back(k);
  ks.push_back(c.bits);
  const std::vector<double> mus = {0, 0.5, 1, 1.5, 2, 3, 4, 6};

  std::vector<Point> uniform(ks.size()), thinned(mus.size());
  const double n = argc - 2;
  for (int a = 2; a < argc; ++a) {
    auto image = bsq::media::read_image(argv[a]);
    if (!image.ok()) return fail(image.status());
    std::vector<uint8_t> margin;
    torch::NoGradGuard no_grad;
    const std::vector<uint64_t> codes =
        bsq::model::encode_in_stripes(net, image.value(), c.bits, torch::kCPU, bsq::model::kStripeTokens, &margin);
    auto full = tok->encode(image.value(), c.bits);  // the grid's shape, and a check on the codes
    if (!full.ok()) return fail(full.status());
    const double pixels = static_cast<double>(image->width) * image->height;
    const auto measure = [&](bsq::TokenGrid g, double bits) -> Point {
      auto decoded = tok->decode(g);
      if (!decoded.ok()) return {};
      return {bits / pixels, bsq::psnr(decoded.value(), image.value()).value(), 0};
    };
    for (size_t i = 0; i < ks.size(); ++i) {
      bsq::TokenGrid g = full.value();
      g.bits = ks[i];
      for (auto& code : g.codes) code &= ks[i] == 64 ? ~uint64_t{0} : (uint64_t{1} << ks[i]) - 1;
      const Point p = measure(g, bsq::entropy::ideal_code_length_bits({1, g.rows, g.cols, g.bits, g.codes}));
      uniform[i].bpp += p.bpp / n, uniform[i].psnr += p.psnr / n;
    }
    for (size_t m = 0; m < mus.size(); ++m) {
      bsq::TokenGrid g = full.value();
      g.codes = codes;
      bsq::entropy::BitPrior prior(c.bits, bsq::entropy::kLatestPriorRevision);
      ThinningCoder coder;
      coder.margin = margin.data();
      coder.mu = mus[m];
      bsq::entropy::detail::code_frame(coder, prior, nullptr, nullptr, g.codes.data(), nullptr, g.rows, g.cols,
                                       {c.bits});
      const Point p = measure(g, coder.bits);
      thinned[m].bpp += p.bpp / n, thinned[m].psnr += p.psnr / n;
      thinned[m].flipped += static_cast<double>(coder.flips) / static_cast<double>(margin.size()) / n;
    }
    fmt::print(stderr, "{}: done\n", argv[a]);
  }
  fmt::print("k,bpp,psnr\n");
  std::vector<bsq::rd::RdPoint> a, b;
  for (size_t i = 0; i < ks.size(); ++i) {
    fmt::print("{},{:.4f},{:.3f}\n", ks[i], uniform[i].bpp, uniform[i].psnr);
    a.push_back({uniform[i].bpp, uniform[i].psnr});
  }
  fmt::print("mu,bpp,psnr,flipped_share\n");
  for (size_t m = 0; m < mus.size(); ++m) {
    fmt::print("{},{:.4f},{:.3f},{:.4f}\n", mus[m], thinned[m].bpp, thinned[m].psnr, thinned[m].flipped);
    b.push_back({thinned[m].bpp, thinned[m].psnr});
  }
  if (ks.size() > 1) {
    const auto bd = bsq::rd::bd_rate(a, b);
    fmt::print("BD-rate of thinned full-bits tokens against uniform k: {}\n",
               bd ? fmt::format("{:+.1f} %", *bd) : "n/a (the curves do not overlap)");
  }
  return 0;
}

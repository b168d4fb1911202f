// bsq_latent_search_study MODEL BITS SEARCH TILE PRECISION IMAGE...: what the encoder's latent
// search (libcodec/model/latent_search.h; issue 13, lever 3) gives with a fixed decoder.
//
// For each image (centre-cropped to at most 512x512 so that many settings can be compared in
// minutes): the encoder's codes, then the searched ones (SEARCH: an effort level, or
// ITERATIONS:STEP, per tile of TILE tokens), both decoded as bsqdec decodes them, with their PSNR
// and the prior's code length of the tokens (entropy::ideal_code_length_bits, the coded size up to
// a few bytes). BITS 0: all of the model's bits. TILE 0: the codec's tile. PRECISION: float32 or
// bfloat16 (the network's arithmetic). The last line holds the means.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "bsq/quality.h"
#include "media/image_io.h"
#include "model/compute_precision.h"
#include "model/latent_search.h"
#include "model/model_file.h"
#include "model/stripe_runner.h"
#include "token_coder.h"

namespace {

bsq::Image centre_crop(const bsq::Image& image, int side) {
  const int w = std::min(side, image.width), h = std::min(side, image.height);
  const int x0 = (image.width - w) / 2, y0 = (image.height - h) / 2;
  bsq::Image out(w, h);
  for (int y = 0; y < h; ++y)
    std::copy_n(image.row(y0 + y) + 3 * x0, 3 * w, out.rgb.begin() + static_cast<size_t>(y) * 3 * w);
  return out;
}

double psnr(const bsq::Image& a, const bsq::Image& b) {
  double sse = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sse += (double(a.rgb[i]) - b.rgb[i]) * (double(a.rgb[i]) - b.rgb[i]);
  return 10 * std::log10(255.0 * 255.0 / std::max(sse / a.rgb.size(), 1e-12));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7)
    return fmt::print(stderr,
                      "usage: bsq_latent_search_study MODEL BITS EFFORT|ITERATIONS:STEP TILE PRECISION IMAGE...\n"),
           2;
  torch::set_num_threads(2);
  auto loaded = bsq::model::load_model(argv[1]);
  if (!loaded.ok()) return fmt::print(stderr, "{}\n", loaded.status().message()), 1;
  auto net = loaded.value().net;
  net->eval();
  for (auto& p : net->parameters()) p.set_requires_grad(false);
  const std::string precision = argv[5];
  if (precision != "float32" && precision != "bfloat16")
    return fmt::print(stderr, "PRECISION is float32 or bfloat16, not '{}'\n", precision), 2;
  if (precision == "bfloat16") bsq::model::to_compute_precision(*net, torch::kBFloat16);
  const auto& c = net->config();
  int bits = 0;
  bsq::model::SearchSettings search;
  try {
    bits = std::stoi(argv[2]);
    const std::string how = argv[3];
    if (const size_t colon = how.find(':'); colon != std::string::npos) {
      search.iterations = std::stoi(how.substr(0, colon));
      search.step = std::stod(how.substr(colon + 1));
    } else {
      const int effort = std::stoi(how);
      if (!bsq::check_effort(effort).ok()) throw std::out_of_range("effort");
      search = bsq::model::search_for_effort(effort, net->decoder_macs_per_pixel());
    }
    if (const int tile = std::stoi(argv[4]); tile > 0) search.tile = tile;
  } catch (const std::exception&) {
    return fmt::print(stderr, "bad BITS, SEARCH or TILE: '{}' '{}' '{}'\n", argv[2], argv[3], argv[4]), 2;
  }
  if (bits == 0) bits = c.bits;
  if (bits < c.lowest_bits() || bits > c.bits)
    return fmt::print(stderr, "BITS: this model codes {} to {} bits per token\n", c.lowest_bits(), c.bits), 2;

  double sum[4] = {0, 0, 0, 0}, seconds = 0, pixels = 0;
  int n = 0;
  for (int a = 6; a < argc; ++a) {
    auto read = bsq::media::read_image(argv[a]);
    if (!read.ok()) return fmt::print(stderr, "{}\n", read.status().message()), 1;
    const bsq::Image image = centre_crop(read.value(), 512);
    const auto plane = bsq::model::token_plane_size(c, image.width, image.height);
    torch::Tensor latent = bsq::model::latent_tensor(c, image.width, image.height);
    std::vector<uint64_t> plain;
    {
      torch::InferenceMode inference;
      plain = bsq::model::encode_in_stripes(net, image, bits, torch::kCPU, bsq::model::kStripeTokens, nullptr, latent);
    }
    const auto start = std::chrono::steady_clock::now();
    const auto searched = bsq::model::search_codes(net, image, latent, bits, search, torch::kCPU);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    pixels += double(image.width) * image.height;
    double row[4];
    int k = 0;
    const std::vector<uint64_t>* both[] = {&plain, &searched};
    for (const auto* codes : both) {
      torch::InferenceMode inference;
      const auto back = bsq::model::decode_in_stripes(net, *codes, bits, image.width, image.height, torch::kCPU);
      const bsq::entropy::TokenPlane tokens{1, static_cast<int>(plane.rows), static_cast<int>(plane.cols), bits,
                                            *codes};
      row[k++] = bsq::entropy::ideal_code_length_bits(tokens) / (double(image.width) * image.height);
      row[k++] = psnr(image, back);
    }
    fmt::print("{} {}x{}: {:.4f} bpp {:.3f} dB -> {:.4f} bpp {:.3f} dB ({:+.3f} dB, {:+.1f} % bits)\n", argv[a],
               image.width, image.height, row[0], row[1], row[2], row[3], row[3] - row[1], 100 * (row[2] / row[0] - 1));
    std::fflush(stdout);
    for (int i = 0; i < 4; ++i) sum[i] += row[i];
    ++n;
  }
  fmt::print("mean: {:.4f} bpp {:.3f} dB -> {:.4f} bpp {:.3f} dB ({:+.3f} dB, {:+.1f} % bits); search {:.1f} s/MP\n",
             sum[0] / n, sum[1] / n, sum[2] / n, sum[3] / n, (sum[3] - sum[1]) / n, 100 * (sum[2] / sum[0] - 1),
             seconds / (pixels / 1e6));
  return 0;
}

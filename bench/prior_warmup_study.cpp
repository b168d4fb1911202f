// Would the prior code a picture in fewer bits if its tables started from statistics of other
// photos instead of P = 1/2 (entropy/README.md, "Measured and left out")? Tokens of train-split
// photos are coded first, as one sequence, by one prior; a copy of its state then codes each dev
// image, beside a fresh prior. Ideal code lengths under the prior's own integer probabilities.
// Usage: bsq_prior_warmup_study MODEL BITS MANIFEST CORPUS_DIR [TRAIN_PHOTOS]; prints Markdown.
// Train photos: every 9th still of the train split, up to TRAIN_PHOTOS (default 16), each
// box-averaged by the whole factor that brings its shorter side under 1024 pixels (as bsqtrain's
// --source-side does), encoded at effort 1.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "bit_prior.h"
#include "bsq/tokenizer.h"
#include "frame_traversal.h"
#include "manifest.h"
#include "media/image_io.h"

namespace {

using bsq::entropy::BitPrior;

struct Tokens {
  std::string name;
  int rows = 0, cols = 0;
  std::vector<uint64_t> codes;
};

bsq::Image box_downscale(const bsq::Image& in, int factor) {
  if (factor <= 1) return in;
  bsq::Image out(in.width / factor, in.height / factor);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < 3; ++c) {
        int sum = 0;
        for (int dy = 0; dy < factor; ++dy)
          for (int dx = 0; dx < factor; ++dx) sum += in.row(y * factor + dy)[(x * factor + dx) * 3 + c];
        out.row(y)[x * 3 + c] = static_cast<uint8_t>((sum + factor * factor / 2) / (factor * factor));
      }
  return out;
}

// Ideal bits of one frame of tokens, continuing from the prior's state.
double frame_bits(BitPrior& prior, Tokens t, int bits) {
  bsq::entropy::detail::CostCoder coder;
  bsq::entropy::detail::code_frame(coder, prior, nullptr, nullptr, t.codes.data(), nullptr, t.rows, t.cols, {bits});
  return coder.bits;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6)
    return fmt::print(stderr, "usage: {} MODEL BITS MANIFEST CORPUS_DIR [TRAIN_PHOTOS]\n", argv[0]), 2;
  const int bits = std::atoi(argv[2]);
  const size_t train_photos = argc == 6 ? static_cast<size_t>(std::atoi(argv[5])) : 16;
  auto tokenizer = bsq::Tokenizer::open(argv[1]);
  if (!tokenizer.ok()) return fmt::print(stderr, "{}\n", tokenizer.status().message()), 1;
  auto manifest = bsq::train::read_manifest(argv[3]);
  if (!manifest.ok()) return fmt::print(stderr, "{}\n", manifest.status().message()), 1;

  std::vector<Tokens> train, dev;
  int train_stills = 0;
  for (const auto& [split, package, path] : manifest.value()) {
    if (bsq::train::is_video_path(path) || (split != "dev" && split != "train")) continue;
    if (split == "train" && (train_stills++ % 9 != 0 || train.size() >= train_photos)) continue;
    auto image = bsq::media::read_image(std::string(argv[4]) + "/" + package + "/" + path);
    if (!image.ok()) return fmt::print(stderr, "{}\n", image.status().message()), 1;
    int factor = 1;
    if (split == "train")
      while (std::min(image->width, image->height) / factor >= 1024) ++factor;
    auto grid = tokenizer->encode(box_downscale(image.value(), factor), bits, 1);
    if (!grid.ok()) return fmt::print(stderr, "{}\n", grid.status().message()), 1;
    (split == "dev" ? dev : train).push_back({path.substr(path.rfind('/') + 1), grid->rows, grid->cols, grid->codes});
  }
  if (dev.empty() || train.empty()) return fmt::print(stderr, "no dev or train stills found\n"), 1;

  BitPrior warmed(bits, bsq::entropy::kLatestPriorRevision);
  double warm_bits = 0, warm_tokens = 0;
  for (const Tokens& t : train) warm_bits += frame_bits(warmed, t, bits), warm_tokens += t.codes.size();
  fmt::print("Warm-up: {} train photos, {:.0f} tokens, {:.3f} bits per token.\n\n", train.size(), warm_tokens,
             warm_bits / warm_tokens);
  fmt::print("| dev image | tokens | fresh prior, bits/token | warmed prior, bits/token | change |\n");
  fmt::print("|---|---|---|---|---|\n");
  double fresh_sum = 0, warm_sum = 0;
  for (const Tokens& t : dev) {
    BitPrior fresh(bits, bsq::entropy::kLatestPriorRevision), copy = warmed;
    const double n = static_cast<double>(t.codes.size());
    const double a = frame_bits(fresh, t, bits) / n, b = frame_bits(copy, t, bits) / n;
    fresh_sum += a, warm_sum += b;
    fmt::print("| {} | {:.0f} | {:.3f} | {:.3f} | {:+.2f} % |\n", t.name, n, a, b, 100 * (b / a - 1));
  }
  fmt::print("| **mean of the images** | | {:.3f} | {:.3f} | {:+.2f} % |\n", fresh_sum / dev.size(),
             warm_sum / dev.size(), 100 * (warm_sum / fresh_sum - 1));
}

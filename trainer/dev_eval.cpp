// Reconstructs each dev image at its native size and averages the per-image PSNR and coded rate.
#include "dev_eval.h"

#include <algorithm>

#include "bsq/codec.h"
#include "bsq/metrics.h"
#include "bsq/tokenizer.h"

namespace bsq::train {
namespace {

std::vector<int> dev_levels(const ModelConfig& c) {
  std::vector<int> levels = {c.lowest_bits(), c.bits / 4, c.bits / 2, c.bits};
  levels.erase(std::remove_if(levels.begin(), levels.end(), [&](int k) { return k < c.lowest_bits(); }), levels.end());
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

}  // namespace

StatusOr<DevResult> evaluate_model(const std::string& model_path, const std::vector<CorpusImage>& images,
                                   const RuntimeOptions& runtime) {
  auto tokenizer = Tokenizer::open(model_path, runtime);
  if (!tokenizer.ok()) return tokenizer.status();
  const ModelConfig& config = tokenizer->config();
  DevResult result;
  for (int bits : dev_levels(config)) {
    DevLevel level;
    level.bits = bits;
    level.raw_bpp = static_cast<double>(bits) / (config.patch * config.patch);
    result.levels.push_back(level);
  }
  for (const auto& item : images) {
    // The network's own tokens: the evaluation measures the model, not the encoder's search.
    auto grid = tokenizer->encode(item.image, 0, kMinEffort);
    if (!grid.ok()) return grid.status();
    for (auto& level : result.levels) {
      // The first k bits of a full grid are exactly what encode(image, k) makes.
      TokenGrid kept = grid.value();
      kept.bits = level.bits;
      if (level.bits < 64)
        for (auto& code : kept.codes) code &= (uint64_t{1} << level.bits) - 1;
      auto back = tokenizer->decode(kept);
      if (!back.ok()) return back.status();
      auto p = psnr(item.image, back.value());
      if (!p.ok()) return p.status();
      auto stream = encode_tokens(tokenizer.value(), kept);
      if (!stream.ok()) return stream.status();
      const double n = static_cast<double>(images.size());
      const double pixels = static_cast<double>(item.image.width) * item.image.height;
      level.psnr.push_back(p.value());
      level.mean_psnr += p.value() / n;
      level.mean_coded_bpp += 8.0 * static_cast<double>(stream->size()) / pixels / n;
    }
  }
  return result;
}

}  // namespace bsq::train

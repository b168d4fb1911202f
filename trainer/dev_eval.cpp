// Reconstructs each dev image at its native size and averages the per-image PSNR.
#include "dev_eval.h"

#include <algorithm>

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
  for (int bits : dev_levels(config))
    result.levels.push_back({bits, static_cast<double>(bits) / (config.patch * config.patch), {}, 0});
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
      level.psnr.push_back(p.value());
      level.mean_psnr += p.value() / static_cast<double>(images.size());
    }
  }
  return result;
}

}  // namespace bsq::train

// Reconstructs each dev image at its native size and averages the per-image PSNR.
#include "dev_eval.h"

#include "bsq/metrics.h"
#include "bsq/tokenizer.h"

namespace bsq::train {

StatusOr<DevResult> evaluate_model(const std::string& model_path, const std::vector<CorpusImage>& images, int threads) {
  RuntimeOptions runtime;
  runtime.threads = threads;
  auto tokenizer = Tokenizer::open(model_path, runtime);
  if (!tokenizer.ok()) return tokenizer.status();
  DevResult result;
  result.raw_bpp = tokenizer->config().raw_bpp();
  for (const auto& item : images) {
    auto grid = tokenizer->encode(item.image);
    if (!grid.ok()) return grid.status();
    auto back = tokenizer->decode(grid.value());
    if (!back.ok()) return back.status();
    auto p = psnr(item.image, back.value());
    if (!p.ok()) return p.status();
    result.psnr.push_back(p.value());
    result.mean_psnr += p.value() / static_cast<double>(images.size());
  }
  return result;
}

}  // namespace bsq::train

// Loss implementations. MS-SSIM follows Wang et al. 2003 (Gaussian 11x11, sigma 1.5).
#include "losses.h"

#include <cmath>
#include <vector>

namespace bsq::train {
namespace {

namespace F = torch::nn::functional;

torch::Tensor gaussian_window(const torch::TensorOptions& options) {
  auto x = torch::arange(11, options.dtype(torch::kFloat32)) - 5.0;
  auto g = torch::exp(-(x * x) / (2 * 1.5 * 1.5));
  g = g / g.sum();
  return (g.view({-1, 1}) * g.view({1, -1})).expand({3, 1, 11, 11}).contiguous();
}

// Returns (ssim map mean, contrast-structure mean) per image.
std::pair<torch::Tensor, torch::Tensor> ssim_terms(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& w) {
  constexpr double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  const auto filt = [&](const torch::Tensor& x) { return F::conv2d(x, w, F::Conv2dFuncOptions().groups(3)); };
  const auto mu_a = filt(a), mu_b = filt(b);
  const auto var_a = filt(a * a) - mu_a * mu_a, var_b = filt(b * b) - mu_b * mu_b, cov = filt(a * b) - mu_a * mu_b;
  const auto cs = (2 * cov + c2) / (var_a + var_b + c2);
  const auto lum = (2 * mu_a * mu_b + c1) / (mu_a * mu_a + mu_b * mu_b + c1);
  return {(lum * cs).mean({1, 2, 3}), cs.mean({1, 2, 3})};
}

}  // namespace

torch::Tensor ms_ssim(const torch::Tensor& a, const torch::Tensor& b) {
  static const std::vector<double> kWeights = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  int64_t side = std::min(a.size(2), a.size(3));
  size_t scales = 0;
  while (scales < kWeights.size() && side >= 11) ++scales, side /= 2;
  TORCH_CHECK(scales > 0, "ms_ssim: images smaller than the 11-pixel window");
  double total = 0;
  for (size_t i = 0; i < scales; ++i) total += kWeights[i];

  const auto w = gaussian_window(a.options());
  auto x = a, y = b;
  auto result = torch::ones({a.size(0)}, a.options());
  for (size_t i = 0; i < scales; ++i) {
    auto [ssim, cs] = ssim_terms(x, y, w);
    const auto term = (i + 1 == scales ? ssim : cs).clamp_min(1e-6);  // negative values have no power
    result = result * torch::pow(term, kWeights[i] / total);
    x = F::avg_pool2d(x, F::AvgPool2dFuncOptions(2));
    y = F::avg_pool2d(y, F::AvgPool2dFuncOptions(2));
  }
  return result;
}

torch::Tensor reconstruction_loss(const torch::Tensor& pred, const torch::Tensor& target, ReconstructionLoss kind,
                                  const model::BatchMean& batch_mean) {
  const auto mean = [&](const torch::Tensor& local) { return batch_mean ? batch_mean(local) : local; };
  switch (kind) {
    case ReconstructionLoss::kL1:
      return mean((pred - target).abs().mean());
    case ReconstructionLoss::kMsSsim: {
      const auto p = pred.reshape({-1, 3, pred.size(-2), pred.size(-1)}).add(1).mul(0.5);
      const auto t = target.reshape({-1, 3, target.size(-2), target.size(-1)}).add(1).mul(0.5);
      return 1 - mean(ms_ssim(p, t).mean());
    }
    case ReconstructionLoss::kLogMse:
      // kLogMseScale * log(MSE of the batch): its gradient is plain MSE's times kLogMseScale / MSE,
      // equal to it at a batch MSE of kLogMseScale (29 dB), so the weight of the BSQ entropy term
      // and the gradient clipping keep the meaning they have with --loss mse.
      return kLogMseScale * torch::log(mean((pred - target).pow(2).mean()) + 1e-10);
    case ReconstructionLoss::kMse:
    default:
      return mean((pred - target).pow(2).mean());
  }
}

}  // namespace bsq::train

// Loss implementations. MS-SSIM is the project's one definition (core/ms_ssim_spec.h), on tensors.
#include "losses.h"

#include <cmath>
#include <vector>

#include "ms_ssim_spec.h"

namespace bsq::train {
namespace {

namespace F = torch::nn::functional;

namespace spec = ms_ssim_spec;

torch::Tensor gaussian_window(const torch::TensorOptions& options) {
  constexpr int n = spec::kWindow;
  auto x = torch::arange(n, options) - static_cast<double>(n / 2);
  auto g = torch::exp(-(x * x) / (2 * spec::kSigma * spec::kSigma));
  g = g / g.sum();
  return (g.view({-1, 1}) * g.view({1, -1})).expand({3, 1, n, n}).contiguous();
}

// 2x2 means, an odd last row or column averaged with itself (spec::next_side()).
torch::Tensor downsample(const torch::Tensor& x) {
  const int64_t pad_w = x.size(3) % 2, pad_h = x.size(2) % 2;
  const auto padded = pad_w || pad_h ? F::pad(x, F::PadFuncOptions({0, pad_w, 0, pad_h}).mode(torch::kReplicate)) : x;
  return F::avg_pool2d(padded, F::AvgPool2dFuncOptions(2));
}

// Returns (ssim map mean, contrast-structure mean) per image and channel, [N, 3]; pixels in [0, 1].
std::pair<torch::Tensor, torch::Tensor> ssim_terms(const torch::Tensor& a, const torch::Tensor& b,
                                                   const torch::Tensor& w) {
  constexpr double c1 = spec::kK1 * spec::kK1, c2 = spec::kK2 * spec::kK2;
  const auto filt = [&](const torch::Tensor& x) { return F::conv2d(x, w, F::Conv2dFuncOptions().groups(3)); };
  const auto mu_a = filt(a), mu_b = filt(b);
  const auto var_a = filt(a * a) - mu_a * mu_a, var_b = filt(b * b) - mu_b * mu_b, cov = filt(a * b) - mu_a * mu_b;
  const auto cs = (2 * cov + c2) / (var_a + var_b + c2);
  const auto lum = (2 * mu_a * mu_b + c1) / (mu_a * mu_a + mu_b * mu_b + c1);
  return {(lum * cs).mean({2, 3}), cs.mean({2, 3})};
}

}  // namespace

torch::Tensor ms_ssim(const torch::Tensor& a, const torch::Tensor& b) {
  const int scales = spec::scales_for(static_cast<int>(a.size(3)), static_cast<int>(a.size(2)));
  TORCH_CHECK(scales > 0, "ms_ssim: images smaller than the 11-pixel window");
  const auto w = gaussian_window(a.options());
  auto x = a, y = b;
  auto result = torch::ones({a.size(0), a.size(1)}, a.options());
  for (int s = 0; s < scales; ++s) {
    auto [ssim, cs] = ssim_terms(x, y, w);
    const auto term = (s + 1 == scales ? ssim : cs).clamp_min(spec::kTermFloor);
    result = result * torch::pow(term, spec::weight(s, scales));
    if (s + 1 < scales) x = downsample(x), y = downsample(y);
  }
  return result.mean(1);
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

// Reconstruction losses on pixels in [-1, 1]: MSE, L1, MS-SSIM (as 1 - MS-SSIM) and log MSE.
#pragma once

#include <torch/torch.h>

#include "model/bsq_quantizer.h"
#include "train_options.h"

namespace bsq::train {

// Scale of ReconstructionLoss::kLogMse: a typical MSE (29 dB PSNR for pixels in [-1, 1]).
inline constexpr double kLogMseScale = 0.005;

// The batch's loss; its batch means are taken through batch_mean when given (data-parallel
// training: see RankGroup::batch_mean), so that a shard of the batch gets its share of the
// gradient of the whole batch's loss, log MSE included.
torch::Tensor reconstruction_loss(const torch::Tensor& pred, const torch::Tensor& target, ReconstructionLoss kind,
                                  const model::BatchMean& batch_mean = nullptr);

// MS-SSIM of [N, 3, H, W] images in [0, 1], differentiable: the definition of bsq::ms_ssim
// (bsq/metrics.h), which reports it on 8-bit images, kept once in core/ms_ssim_spec.h. Uses as many
// of the 5 standard scales as fit an 11-pixel window, so it also works on small training crops.
torch::Tensor ms_ssim(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace bsq::train

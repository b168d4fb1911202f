// Every knob of a training run; bsqtrain's command line fills it.
#pragma once

#include <cstdint>
#include <string>

#include "bsq/model_config.h"
#include "bsq/tokenizer.h"

namespace bsq::train {

// kLogMse: log of the batch MSE, i.e. the batch PSNR. With nested bits each step decodes at one
// rate; in log scale a step at a low rate (large errors) weighs no more than one at a high rate,
// as it would with plain MSE. Within a batch, crops count as in plain MSE.
enum class ReconstructionLoss { kMse, kL1, kMsSsim, kLogMse };

// kEncoder: only the encoder side (stem, encoder blocks, the quantiser's projection down to the
// bits) learns; the decoder side (projection up, decoder blocks, head) keeps the --init model's
// weights, so the exported model decodes any codes as that model does and only its encoder's
// choice of codes changes.
enum class TrainedPart { kAll, kEncoder };

// Data-parallel training over several processes (rank_group.h): which rank this is, how the ranks
// meet, and how long they wait for each other. bsqtrain fills it from the environment variables
// PyTorch's launchers set (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK) and its options.
struct DistributedOptions {
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int world_size = 1;
  int rank = 0;
  int local_rank = 0;         // the GPU of its machine a rank trains on (CUDA builds)
  int timeout_seconds = 300;  // rendezvous and every collective; evaluation waits are unbounded
};

struct TrainOptions {
  ModelConfig model;

  // Data.
  std::string manifest = "data/manifest.tsv";
  std::string corpus = "data/corpus";
  int batch = 16;
  int crop = 128;
  int source_side = 512;  // larger sources are downscaled towards this shorter side (BatchOptions)

  // Optimisation.
  int64_t steps = 20000;
  double lr = 6e-4;
  double min_lr_ratio = 0.05;  // cosine decays to lr * this
  int64_t warmup = 500;
  double weight_decay = 1e-4;
  double clip = 1.0;  // max global gradient norm
  double ema = 0.999;
  uint64_t seed = 1;
  int threads = 0;
  Precision eval_precision = Precision::kAuto;  // of the dev evaluations, which run as the codec does
  TrainedPart trained = TrainedPart::kAll;

  // Quantisation schedule: continuous for `continuous_steps`, then a linear ramp to binary codes.
  int64_t continuous_steps = 1000;
  int64_t ramp_steps = 2000;

  // Losses.
  ReconstructionLoss loss = ReconstructionLoss::kMse;
  double entropy_weight = 0.01;  // weight of the BSQ entropy term (per bit)
  double entropy_gamma = 1.0;    // weight of the codebook-entropy part inside it
  double entropy_inv_temperature = 8.0;
  // Rate-aware training: weight of the code length under the rate proxy (rate_proxy.h), in bits
  // per pixel, beside the reconstruction loss (0: off). Plain MSE on pixels in [-1, 1] trades
  // 0.002 per bpp at about 3 dB per bpp, the slope of the shipped models' curve near 1 bpp.
  double rate_weight = 0.0;
  double rate_proxy_lr = 1e-3;  // the proxy's own optimiser: constant, so it keeps up with the codes

  // Bookkeeping.
  std::string out_dir = "runs/default";
  std::string init_model;  // start from this model file's weights (a fresh run only)
  bool resume = false;
  int64_t eval_every = 1000;  // dev evaluation, checkpoint and model export
  int64_t log_every = 50;

  DistributedOptions dist;
};

}  // namespace bsq::train

// A whole training run: data, loop, periodic dev evaluation, checkpoints and model export.
#pragma once

#include <string>

#include "bsq/status.h"
#include "train_options.h"

namespace bsq::train {

// Files in options.out_dir: checkpoint.pt (resume point), model.bsqm (EMA weights, f16),
// train.csv (one row per evaluation). With options.resume, continues from checkpoint.pt.
// With options.dist.world_size > 1 this process is one rank of a data-parallel run: it trains on
// its shard of every batch and rank 0 alone evaluates and writes those files. kIoError when
// another rank fails or cannot be reached; messages then start with "rank R of N: ". kInternal
// with the first line of LibTorch's message when it throws (in a step or in the batch thread).
Status run_training(const TrainOptions& options);

// Prints the dev-set PSNR of a model file, per image and on average.
Status run_evaluation(const std::string& model_path, const TrainOptions& options);

}  // namespace bsq::train

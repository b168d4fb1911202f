// A whole training run: data, loop, periodic dev evaluation, checkpoints and model export.
#pragma once

#include <string>

#include "bsq/status.h"
#include "train_options.h"

namespace bsq::train {

// Files in options.out_dir: checkpoint.pt (resume point), model.bsqm (EMA weights, f16),
// train.csv (one row per evaluation). With options.resume, continues from checkpoint.pt.
Status run_training(const TrainOptions& options);

// Prints the dev-set PSNR of a model file, per image and on average.
Status run_evaluation(const std::string& model_path, const TrainOptions& options);

}  // namespace bsq::train

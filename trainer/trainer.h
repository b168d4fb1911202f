// One training run's state: network, EMA copy, optimiser and step; checkpoint and resume.
#pragma once

#include <torch/torch.h>

#include <iosfwd>
#include <memory>
#include <string>

#include "bsq/status.h"
#include "model/model_file.h"
#include "model/tokenizer_model.h"
#include "rank_group.h"
#include "rate_proxy.h"
#include "train_options.h"

namespace bsq::train {

struct StepStats {
  double loss = 0, reconstruction = 0, train_psnr = 0;  // PSNR of the batch, pixels in [-1, 1]
  double entropy_per_sample = 0, entropy_codebook = 0;  // bits per token
  double lr = 0, hardness = 0;
  double rate_bpp = 0;  // code length of the batch's codes under the rate proxy (0 when it is off)
};

class Trainer {
 public:
  explicit Trainer(const TrainOptions& options);

  // One optimiser step on [B, 1, 3, c, c] (any device). In data-parallel training (set_ranks) the
  // crops are this rank's shard of the step's options.batch; the statistics are the whole batch's.
  // A RankFailure from the ranks' collectives passes through.
  StepStats step(const torch::Tensor& batch);
  int64_t steps_done() const { return step_; }
  const torch::Device& device() const { return device_; }
  double elapsed_seconds() const { return elapsed_; }
  void add_elapsed(double seconds) { elapsed_ += seconds; }

  // Everything a resumed run needs to continue bit-for-bit: weights, EMA, optimiser moments,
  // step and elapsed time. (Batches are a function of seed and step; there is no other randomness.)
  Status save_checkpoint(const std::string& path) const;
  Status load_checkpoint(const std::string& path);
  // The same state as bytes, for rank 0 to hand to the other ranks.
  StatusOr<std::vector<uint8_t>> save_state() const;
  Status load_state(const std::vector<uint8_t>& bytes);

  // Data-parallel training: this process is one rank of `ranks` (not owned; nullptr: alone).
  void set_ranks(RankGroup* ranks) { ranks_ = ranks; }

  // Writes the EMA weights as a model file.
  Status export_model(const std::string& path, model::WeightPrecision precision) const;

  // Copies the weights of a model file into a fresh run. Shapes must match, except that the
  // run may have more bits per token: the source's bits become its first channels, the new
  // channels keep their random initialisation.
  Status initialise_from(const std::string& path);

  model::TokenizerModel& net() { return net_; }
  model::TokenizerModel& ema() { return ema_; }

 private:
  void stall_for_crash_test(const std::string& path, const std::vector<uint8_t>& bytes) const;
  void update_ema();
  void write_state(std::ostream& out) const;
  bool read_state(std::istream& in);  // false: another model's state, nothing read

  TrainOptions options_;
  torch::Device device_;  // CUDA when this LibTorch has it and a GPU is present, else CPU
  model::TokenizerModel net_{nullptr}, ema_{nullptr};
  std::vector<torch::Tensor> trained_;  // the weights that learn (options.trained), in net_'s order
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  RateProxy rate_proxy_{nullptr};  // options.rate_weight > 0 only; trained beside, never exported
  std::unique_ptr<torch::optim::Adam> rate_optimizer_;
  int64_t step_ = 0;
  double elapsed_ = 0;
  RankGroup* ranks_ = nullptr;
};

}  // namespace bsq::train

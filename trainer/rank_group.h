// Data-parallel training: N bsqtrain processes (ranks), on one machine or several, joined over
// c10d, the engine under PyTorch's DistributedDataParallel: Gloo on CPU, NCCL in CUDA builds.
//
// Rendezvous as PyTorch's launchers do it: rank 0 serves a TCPStore at MASTER_ADDR:MASTER_PORT,
// every rank connects to it, and the process group forms through it. Every collective is bounded
// by the timeout, and a peer that dies breaks its connections at once: either way the call throws
// RankFailure with a one-line message, never hangs.
//
// Usage (every rank runs the same calls in the same order):
//   auto group = RankGroup::join(options.dist, device);     // world_size 1: nullptr, no network
//   ...
//   loss = share_of_batch_mean(local_mean);                  // inside the loss, see batch_mean()
//   group->sum_gradients(net->parameters());                 // after backward()
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bsq/status.h"
#include "train_options.h"

namespace bsq::train {

// A collective or the rendezvous failed: a rank died, the network broke, or the timeout passed.
class RankFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RankGroup {
 public:
  // Blocks until every rank has joined, for at most options.timeout_seconds. nullptr for a world
  // of one. kIoError naming the address when the rendezvous fails.
  static StatusOr<std::unique_ptr<RankGroup>> join(const DistributedOptions& options, const torch::Device& device);
  ~RankGroup();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }

  // A mean over the whole batch from this rank's mean over its crops, `share` of the batch: the
  // value is the whole batch's (the same on every rank), the gradient reaches this rank's crops
  // with their weight in it. So the sum over ranks of every rank's gradient of a loss built from
  // such means is the gradient the loss of the whole batch has in one process, even where the
  // loss is not linear in the means (log MSE, the codebook entropy of the mean bit probabilities).
  torch::Tensor batch_mean(const torch::Tensor& local_mean, double share);

  // Sums every parameter's gradient over the ranks, in one flat all-reduce.
  void sum_gradients(const std::vector<torch::Tensor>& parameters);

  // Rank 0's bytes on every rank.
  std::vector<uint8_t> broadcast_bytes(std::vector<uint8_t> bytes);

  // Whether every rank passed the same value (a fingerprint of the options and data all ranks
  // must share).
  bool all_agree(uint64_t value);

  // Rank 0 marks `key` done; the other ranks wait for it as long as it takes (rank 0 evaluating
  // and writing a checkpoint), but stop at once when rank 0 dies.
  void signal_from_main(const std::string& key);
  void wait_for_main(const std::string& key);

 private:
  struct Impl;  // the c10d store and process group: their headers stay in rank_group.cpp
  explicit RankGroup(const DistributedOptions& options);
  void all_reduce_sum(torch::Tensor& tensor, const char* what);

  DistributedOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsq::train

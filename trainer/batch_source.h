// Random training crops, prepared on a background thread while the model trains.
//
// The batch of step s depends only on (seed, s), never on what ran before, so a resumed run
// sees exactly the batches an uninterrupted run would have seen.
#pragma once

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "corpus.h"

namespace bsq::train {

struct BatchOptions {
  int batch = 16;
  int crop = 128;  // square crops, in pixels
  uint64_t seed = 1;
  bool half_scale = true;  // also crop from 2x-downscaled copies of images larger than 2 crops
  // Sources whose shorter side is at least twice this are first box-averaged by the whole factor
  // that brings that side into [source_side, 2 * source_side): large lossy photos then show
  // scene detail rather than their own compression artefacts. 0 keeps every source as it is.
  int source_side = 0;
  // Data-parallel training: this rank makes crops [shard_begin, shard_end) of each step's batch,
  // drawn exactly as a single process draws the whole batch. shard_end -1: to the end.
  int shard_begin = 0;
  int shard_end = -1;
};

class BatchSource {
 public:
  BatchSource(const std::vector<CorpusImage>& images, const BatchOptions& options);
  ~BatchSource();

  // Batches (or shards) for first_step, first_step + 1, ... in order: [crops, 1, 3, crop, crop]
  // in [-1, 1].
  void start(int64_t first_step);
  torch::Tensor next();                    // rethrows what made the background thread fail
  torch::Tensor make(int64_t step) const;  // the same batch, computed synchronously

 private:
  void run(int64_t first_step);

  BatchOptions options_;
  std::vector<torch::Tensor> sources_;  // uint8 [3, H, W], each at least crop x crop
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<torch::Tensor> ready_;
  bool stop_ = false;
  std::exception_ptr failure_;  // why the background thread stopped, if it failed
};

}  // namespace bsq::train

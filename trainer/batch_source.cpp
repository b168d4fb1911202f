// Crop sampling and the prefetch thread.
#include "batch_source.h"

#include <algorithm>
#include <random>

namespace bsq::train {
namespace {

constexpr size_t kQueueDepth = 3;

torch::Tensor to_chw(const Image& image) {
  return torch::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, torch::kUInt8)
      .permute({2, 0, 1})
      .clone();
}

}  // namespace

BatchSource::BatchSource(const std::vector<CorpusImage>& images, const BatchOptions& options) : options_(options) {
  for (const auto& item : images) {
    auto chw = to_chw(item.image);
    const int64_t shorter = std::min(chw.size(1), chw.size(2));
    if (options.source_side > 0 && shorter >= 2 * options.source_side) {
      const int64_t factor = shorter / options.source_side;
      chw = torch::avg_pool2d(chw.unsqueeze(0).to(torch::kFloat32), factor).round().squeeze(0).to(torch::kUInt8);
    }
    // Images smaller than a crop are replicate-padded up to it.
    const int64_t ph = std::max<int64_t>(0, options.crop - chw.size(1)),
                  pw = std::max<int64_t>(0, options.crop - chw.size(2));
    if (ph || pw)
      chw = torch::nn::functional::pad(chw.unsqueeze(0).to(torch::kFloat32),
                                       torch::nn::functional::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate))
                .squeeze(0)
                .to(torch::kUInt8);
    // A 2x-downscaled copy shows the model the denser detail of smaller photos.
    if (options.half_scale && chw.size(1) >= 2 * options.crop && chw.size(2) >= 2 * options.crop) {
      auto half = torch::avg_pool2d(chw.unsqueeze(0).to(torch::kFloat32), 2).round().squeeze(0).to(torch::kUInt8);
      sources_.push_back(half.contiguous());
    }
    sources_.push_back(chw.contiguous());
  }
}

BatchSource::~BatchSource() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

torch::Tensor BatchSource::make(int64_t step) const {
  std::mt19937_64 rng(options_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step));
  const int c = options_.crop;
  const int begin = options_.shard_begin, end = options_.shard_end < 0 ? options_.batch : options_.shard_end;
  auto batch = torch::empty({end - begin, 1, 3, c, c}, torch::kFloat32);
  // Every crop is drawn, so that the draws of a shard are those of its crops in the whole batch.
  for (int i = 0; i < end; ++i) {
    const auto& src = sources_[std::uniform_int_distribution<size_t>(0, sources_.size() - 1)(rng)];
    const int64_t y = std::uniform_int_distribution<int64_t>(0, src.size(1) - c)(rng);
    const int64_t x = std::uniform_int_distribution<int64_t>(0, src.size(2) - c)(rng);
    const bool flip = (rng() & 1) != 0;
    if (i < begin) continue;
    auto crop = src.slice(1, y, y + c).slice(2, x, x + c);
    if (flip) crop = crop.flip({2});
    batch[i - begin][0].copy_(crop.to(torch::kFloat32).div(127.5).sub(1.0));
  }
  return batch;
}

void BatchSource::start(int64_t first_step) {
  worker_ = std::thread([this, first_step] { run(first_step); });
}

void BatchSource::run(int64_t step) {
  for (;; ++step) {
    torch::Tensor batch;
    // An exception leaving a std::thread ends the process; next() rethrows it on the main thread.
    try {
      batch = make(step);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return stop_ || ready_.size() < kQueueDepth; });
    if (stop_) return;
    ready_.push_back(std::move(batch));
    changed_.notify_all();
  }
}

torch::Tensor BatchSource::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || failure_; });
  if (ready_.empty()) std::rethrow_exception(failure_);  // the batches made before it come first
  auto batch = std::move(ready_.front());
  ready_.pop_front();
  changed_.notify_all();
  return batch;
}

}  // namespace bsq::train

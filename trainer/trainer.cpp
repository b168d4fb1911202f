// The training step (loss, schedules, clipping, EMA) and checkpoint I/O.
#include "trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "atomic_file.h"
#include "exception_status.h"
#include "losses.h"
#include "model/bsq_quantizer.h"
#include "schedule.h"

namespace bsq::train {
namespace {

template <typename Fn>
Status guarded(const std::string& what, Fn&& fn) {
  try {
    fn();
    return Status::Ok();
  } catch (const std::exception& e) {
    return exception_status(StatusCode::kIoError, what, e);
  }
}

// Identifies the model options and the trained part in a checkpoint (the optimiser holds moments
// of the trained weights only); FNV-1a, unlike std::hash, is the same in every build.
// A run with the rate proxy keeps it in its checkpoints, so it resumes only from one of those.
int64_t config_hash(const ModelConfig& config, TrainedPart trained, bool rate_proxy) {
  std::string text = config.to_text();
  // Checkpoints of whole-model runs without the proxy keep the hash they always had.
  if (trained == TrainedPart::kEncoder) text += "trained encoder\n";
  if (rate_proxy) text += "rate proxy\n";
  return static_cast<int64_t>(model::fnv1a64(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A tensor of a transformer block (model/transformer.cpp names them encoder.blocks.N.* and
// decoder.blocks.N.*).
bool block_tensor(const std::string& key) {
  return starts_with(key, "encoder.blocks.") || starts_with(key, "decoder.blocks.");
}

// The last layer of a block's attention or MLP branch, whose output is added to the residual stream.
bool residual_output(const std::string& key) {
  for (const char* suffix : {".attention.proj.weight", ".attention.proj.bias", ".fc2.weight", ".fc2.bias"})
    if (ends_with(key, suffix)) return true;
  return false;
}

// A tensor of the decoder side: what turns codes into pixels.
bool decoder_side(const std::string& key) {
  return starts_with(key, "quantizer.up.") || starts_with(key, "decoder.") || starts_with(key, "head.");
}

// CUDA when this LibTorch has it and a GPU is present (the rank's own GPU of its machine), else CPU.
torch::Device training_device(const TrainOptions& options) {
  if (!torch::cuda::is_available()) return torch::kCPU;
  return {torch::kCUDA, static_cast<torch::DeviceIndex>(options.dist.local_rank % torch::cuda::device_count())};
}

}  // namespace

Trainer::Trainer(const TrainOptions& options) : options_(options), device_(training_device(options)) {
  torch::manual_seed(options.seed);
  net_ = model::TokenizerModel(options.model);
  ema_ = model::TokenizerModel(options.model);
  net_->to(device_);
  ema_->to(device_);
  {
    torch::NoGradGuard no_grad;
    const auto src = net_->parameters();
    auto dst = ema_->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  ema_->eval();
  for (auto& p : ema_->parameters()) p.set_requires_grad(false);
  for (auto& p : net_->named_parameters()) {
    const bool learns = options.trained == TrainedPart::kAll || !decoder_side(p.key());
    p.value().set_requires_grad(learns);
    if (learns) trained_.push_back(p.value());
  }
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      trained_, torch::optim::AdamWOptions(options.lr).betas({0.9, 0.99}).weight_decay(options.weight_decay));
  if (options.rate_weight > 0) {
    rate_proxy_ = RateProxy(options.model.bits);
    rate_proxy_->to(device_);
    rate_optimizer_ = std::make_unique<torch::optim::Adam>(
        rate_proxy_->parameters(), torch::optim::AdamOptions(options.rate_proxy_lr).betas({0.9, 0.99}));
  }
}

StepStats Trainer::step(const torch::Tensor& cpu_batch) {
  const auto batch = cpu_batch.to(device_);
  StepStats s;
  s.lr = learning_rate(options_, step_);
  s.hardness = quantizer_hardness(options_, step_);
  for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(s.lr);

  // Means over the batch: this rank's share of the whole batch's (RankGroup::batch_mean).
  const double share = static_cast<double>(batch.size(0)) / options_.batch;
  model::BatchMean batch_mean;
  if (ranks_ != nullptr) batch_mean = [&](const torch::Tensor& local) { return ranks_->batch_mean(local, share); };

  net_->train();
  const auto encoded = net_->encode(batch, s.hardness);
  auto codes = encoded.codes;
  if (options_.model.scalable()) {
    // The batch is decoded from only the first k bits of its tokens, as the codec does at a lower rate.
    codes = codes * model::leading_bits_mask(kept_bits(options_, step_), options_.model.bits).to(device_);
  }
  const auto recon = net_->decode(codes);
  const auto reconstruction = reconstruction_loss(recon, batch, options_.loss, batch_mean);
  const auto entropy = model::bsq_entropy(encoded.u, options_.entropy_inv_temperature, batch_mean);
  // The entropy term ramps in with the quantiser. During the continuous phase it would push u
  // onto the binary corners anyway (its per-sample part is minimal there), which is the binary
  // bottleneck from step 0 that trains slowly (measured: train PSNR ~14 dB instead of ~22 dB
  // after 600 steps with weight 0.01 from step 0).
  const double weight = options_.entropy_weight * s.hardness / options_.model.bits;
  auto loss = reconstruction + weight * (entropy.per_sample - options_.entropy_gamma * entropy.codebook);
  torch::Tensor rate_bpp;
  if (rate_proxy_) {
    // Bits per pixel of the codes as sent (a nested step's bits past k cost nothing), a batch mean.
    rate_bpp = rate_proxy_->forward(codes).mean() / (options_.model.patch * options_.model.patch);
    if (batch_mean) rate_bpp = batch_mean(rate_bpp);
    loss = loss + options_.rate_weight * rate_bpp;
    rate_optimizer_->zero_grad();
  }

  optimizer_->zero_grad();
  loss.backward();
  // Every rank's loss has the whole batch's value and its shard's part of the gradient: the sum
  // is the whole batch's gradient, the same on every rank, so clipping and the optimiser step
  // agree on all of them.
  if (ranks_ != nullptr) ranks_->sum_gradients(trained_);
  torch::nn::utils::clip_grad_norm_(trained_, options_.clip);
  optimizer_->step();
  if (rate_proxy_) {
    // Its gradient is rate_weight times the code length's; Adam's steps do not depend on that scale.
    auto proxy = rate_proxy_->parameters();
    if (ranks_ != nullptr) ranks_->sum_gradients(proxy);
    rate_optimizer_->step();
    s.rate_bpp = rate_bpp.item<double>();
  }
  ++step_;
  update_ema();

  auto batch_mse = (recon.detach() - batch).pow(2).mean();
  if (batch_mean) batch_mse = batch_mean(batch_mse);
  const double mse = batch_mse.item<double>();
  s.loss = loss.item<double>();
  s.reconstruction = reconstruction.item<double>();
  s.train_psnr = 10.0 * std::log10(4.0 / std::max(mse, 1e-12));  // peak-to-peak range is 2
  s.entropy_per_sample = entropy.per_sample.item<double>();
  s.entropy_codebook = entropy.codebook.item<double>();
  return s;
}

Status Trainer::initialise_from(const std::string& path) {
  auto loaded = model::load_model(path);
  if (!loaded.ok()) return loaded.status();
  const ModelConfig& from = loaded->net->config();
  const ModelConfig& to = options_.model;
  // Fewer bits keep the source's leading ones, which decode on their own only in a nested model
  // trained down to that many.
  if (from.bits > to.bits && (from.min_bits == 0 || from.min_bits > to.bits))
    return {StatusCode::kModelMismatch,
            fmt::format("--init model '{}' has {} bits per token, more than --bits {}, and was not trained to decode "
                        "from its first {}",
                        path, from.bits, to.bits, to.bits)};
  if (from.encoder_depth > to.encoder_depth || from.decoder_depth > to.decoder_depth)
    return {
        StatusCode::kModelMismatch,
        fmt::format("--init model '{}' has {}+{} transformer blocks, more than --encoder-depth {} --decoder-depth {}",
                    path, from.encoder_depth, from.decoder_depth, to.encoder_depth, to.decoder_depth)};
  // Another patch size changes only the stem and the head: their tensors that keep name and
  // shape are copied, the others keep their random initialisation.
  const bool other_patch = from.patch != to.patch;
  const auto pixel_side = [](const std::string& key) { return starts_with(key, "stem.") || starts_with(key, "head."); };
  auto source = loaded->net->named_parameters();
  torch::NoGradGuard no_grad;
  for (auto& p : net_->named_parameters()) {
    const auto* src = source.find(p.key());
    if (other_patch && pixel_side(p.key()) && (src == nullptr || src->sizes() != p.value().sizes())) continue;
    if (src == nullptr && block_tensor(p.key())) {
      // A block the source lacks (deeper encoder or decoder): its residual branches' output
      // projections start at 0, so the block passes its input through and the network computes
      // what the source did; the rest stays random, and gets gradient once those projections move.
      if (residual_output(p.key())) p.value().zero_();
      continue;
    }
    if (src == nullptr)
      return {StatusCode::kModelMismatch, fmt::format("--init model '{}' has no '{}'", path, p.key())};
    auto dst = p.value();
    const auto value = src->to(dst.device());
    if (value.sizes() == dst.sizes()) {
      dst.copy_(value);
    } else if (p.key() == "quantizer.down.weight" || p.key() == "quantizer.down.bias") {
      // More bits than the source: its projections become the first channels; the new ones keep
      // their random initialisation. Fewer: the source's first channels.
      const int64_t kept = std::min(from.bits, to.bits);
      dst.narrow(0, 0, kept).copy_(value.narrow(0, 0, kept));
    } else if (p.key() == "quantizer.up.weight" && from.bits > to.bits) {
      // Codes are +-1/sqrt(L): the fewer bits are larger, so their columns shrink by as much.
      dst.copy_(value.narrow(1, 0, to.bits) * std::sqrt(static_cast<double>(to.bits) / from.bits));
    } else if (p.key() == "quantizer.up.weight") {
      // Codes are +-1/sqrt(L): scale the old columns so they see the same input they were trained
      // on. The new columns keep their random initialisation too: at 0 they would leave the new
      // encoder channels without gradient (measured, 32 -> 64 bits: after 2000 steps their columns had
      // grown to 1/15 of the old ones' norm and the new bits added 0.02 dB). So the network computes what
      // the source did whenever the new bits are left out, as they are at the source's rate.
      dst.narrow(1, 0, from.bits).copy_(value * std::sqrt(static_cast<double>(to.bits) / from.bits));
    } else {
      return {StatusCode::kModelMismatch,
              fmt::format("--init model '{}': '{}' has another shape (only --bits, --patch and the depths may change)",
                          path, p.key())};
    }
  }
  const auto src = net_->parameters();
  auto dst = ema_->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  return Status::Ok();
}

void Trainer::update_ema() {
  // Short runs: let the average warm up instead of dragging the random init along.
  const double decay = std::min(options_.ema, (1.0 + step_) / (10.0 + step_));
  torch::NoGradGuard no_grad;
  const auto src = net_->parameters();
  auto dst = ema_->parameters();
  // Frozen weights are skipped: averaging a constant would only add rounding to it.
  for (size_t i = 0; i < src.size(); ++i)
    if (src[i].requires_grad()) dst[i].mul_(decay).add_(src[i], 1.0 - decay);
}

void Trainer::write_state(std::ostream& out) const {
  torch::serialize::OutputArchive archive;
  for (const auto& p : net_->named_parameters()) archive.write("net." + p.key(), p.value());
  for (const auto& p : ema_->named_parameters()) archive.write("ema." + p.key(), p.value());
  torch::serialize::OutputArchive optimizer;
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("step", torch::tensor(step_, torch::kInt64));
  archive.write("elapsed", torch::tensor(elapsed_, torch::kFloat64));
  archive.write("config", torch::tensor(config_hash(options_.model, options_.trained, bool(rate_proxy_))));
  if (rate_proxy_) {
    for (const auto& p : rate_proxy_->named_parameters()) archive.write("rate." + p.key(), p.value());
    torch::serialize::OutputArchive rate_optimizer;
    rate_optimizer_->save(rate_optimizer);
    archive.write("rate_optimizer", rate_optimizer);
  }
  archive.save_to(out);
}

bool Trainer::read_state(std::istream& in) {
  torch::Tensor config;
  torch::serialize::InputArchive archive;
  archive.load_from(in, device_);
  archive.read("config", config);
  if (config.item<int64_t>() != config_hash(options_.model, options_.trained, bool(rate_proxy_))) return false;
  torch::NoGradGuard no_grad;
  for (auto& p : net_->named_parameters()) archive.read("net." + p.key(), p.value());
  for (auto& p : ema_->named_parameters()) archive.read("ema." + p.key(), p.value());
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
  if (rate_proxy_) {
    for (auto& p : rate_proxy_->named_parameters()) archive.read("rate." + p.key(), p.value());
    torch::serialize::InputArchive rate_optimizer;
    archive.read("rate_optimizer", rate_optimizer);
    rate_optimizer_->load(rate_optimizer);
  }
  torch::Tensor step, elapsed;
  archive.read("step", step);
  archive.read("elapsed", elapsed);
  step_ = step.item<int64_t>();
  elapsed_ = elapsed.item<double>();
  return true;
}

Status Trainer::save_checkpoint(const std::string& path) const {
  auto bytes = save_state();
  if (!bytes.ok()) return bytes.status();
  stall_for_crash_test(path, bytes.value());
  // Replaced whole or not at all: a run killed at any moment resumes from this checkpoint or the
  // previous one (tests/cli/bsqtrain_crash.sh).
  return write_file_atomically(path, bytes.value(), "checkpoint");
}

void Trainer::stall_for_crash_test(const std::string& path, const std::vector<uint8_t>& bytes) const {
  // BSQ_TEST_STALL_CHECKPOINT=N: at step N's checkpoint, leave a half-written temporary file and
  // wait, so that the crash test's kill -9 lands in the middle of a checkpoint write.
  const char* at = std::getenv("BSQ_TEST_STALL_CHECKPOINT");
  if (at == nullptr || std::strtoll(at, nullptr, 10) != steps_done()) return;
  std::ofstream(path + ".tmp", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() / 2));
  fmt::print(stderr, "bsqtrain: test hook: checkpoint write stalled at step {}\n", steps_done());
  std::this_thread::sleep_for(std::chrono::seconds(120));
}

Status Trainer::load_checkpoint(const std::string& path) {
  bool same_model = true;
  auto status = guarded(fmt::format("cannot read checkpoint '{}'", path), [&] {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open it");
    same_model = read_state(in);
  });
  if (status.ok() && !same_model)
    return {StatusCode::kModelMismatch,
            fmt::format(
                "checkpoint '{}' was made with other model options, another --train, or with the rate proxy on where "
                "it is off here or the reverse (--rate-weight)",
                path)};
  return status;
}

StatusOr<std::vector<uint8_t>> Trainer::save_state() const {
  std::ostringstream out(std::ios::binary);
  auto status = guarded("cannot serialise the training state", [&] { write_state(out); });
  if (!status.ok()) return status;
  const std::string bytes = out.str();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Status Trainer::load_state(const std::vector<uint8_t>& bytes) {
  bool same_model = true;
  auto status = guarded("cannot read rank 0's training state", [&] {
    std::istringstream in(std::string(bytes.begin(), bytes.end()), std::ios::binary);
    same_model = read_state(in);
  });
  if (status.ok() && !same_model) return {StatusCode::kModelMismatch, "rank 0 trains a model with other options"};
  return status;
}

Status Trainer::export_model(const std::string& path, model::WeightPrecision precision) const {
  return model::save_model(ema_, path, precision);
}

}  // namespace bsq::train

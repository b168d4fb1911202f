// The training loop and its bookkeeping.
#include "train_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "batch_source.h"
#include "bsq/tokenizer.h"
#include "corpus.h"
#include "dev_eval.h"
#include "exception_status.h"
#include "model/huge_page_allocator.h"
#include "model/model_file.h"
#include "progress.h"
#include "rank_group.h"
#include "trainer.h"

namespace bsq::train {
namespace {

namespace fs = std::filesystem;

// dev_psnr, raw_bpp and coded_bpp are at full rate; dev_levels lists "bits:PSNR" for every
// evaluated rate; rate_proxy_bpp is the last step's batch under the rate proxy (0: off).
constexpr const char* kCsvHeader =
    "step,elapsed_s,lr,hardness,train_loss,train_psnr,dev_psnr,raw_bpp,dev_levels,coded_bpp,rate_proxy_bpp";

std::string levels_text(const DevResult& dev) {
  std::string out;
  for (const auto& level : dev.levels)
    out += fmt::format("{}{}:{:.2f}", out.empty() ? "" : " ", level.bits, level.mean_psnr);
  return out;
}

// Keeps the CSV rows up to `step`, so a resumed run does not repeat rows written after the
// checkpoint it resumes from.
Status prepare_csv(const std::string& path, int64_t step) {
  std::vector<std::string> kept = {kCsvHeader};
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line)) {
    while (std::getline(in, line)) {
      // Rows that do not start with a step number are not ours: drop them.
      char* end = nullptr;
      const long long row_step = std::strtoll(line.c_str(), &end, 10);
      if (end != line.c_str() && *end == ',' && row_step <= step) kept.push_back(line);
    }
  }
  std::ofstream out(path, std::ios::trunc);
  for (const auto& row : kept) out << row << '\n';
  return out ? Status::Ok() : Status(StatusCode::kIoError, fmt::format("cannot write '{}'", path));
}

RuntimeOptions eval_runtime(const TrainOptions& options) {
  RuntimeOptions runtime;
  runtime.threads = options.threads;
  runtime.precision = options.eval_precision;
  return runtime;
}

// LibTorch reports errors by throwing, in a training step as in the batch thread (whose exception
// next() rethrows here); the tool reports them as one line, without LibTorch's backtrace.
template <typename Fn>
Status caught(Fn&& fn) {
  try {
    return fn();
  } catch (const RankFailure& e) {
    return Status(StatusCode::kIoError, e.what());
  } catch (const std::exception& e) {
    return exception_status(StatusCode::kInternal, "internal error", e);
  }
}

Status evaluate(const std::string& model_path, const TrainOptions& options) {
  auto corpus = load_corpus(options.manifest, options.corpus, CorpusSplits::kDevOnly);
  if (!corpus.ok()) return corpus.status();
  auto result = evaluate_model(model_path, corpus->dev, eval_runtime(options));
  if (!result.ok()) return result.status();
  for (const auto& level : result->levels) {
    if (result->levels.size() > 1) fmt::print("{} bits per token:\n", level.bits);
    for (size_t i = 0; i < corpus->dev.size(); ++i)
      fmt::print("{:<60} {:6.2f} dB\n", corpus->dev[i].name, level.psnr[i]);
    // tests/cli/shipped_model.sh reads the fields up to the image count: new ones go after it.
    fmt::print("dev mean PSNR {:.2f} dB at {:.4f} bpp raw ({} images), {:.4f} bpp coded\n", level.mean_psnr,
               level.raw_bpp, corpus->dev.size(), level.mean_coded_bpp);
  }
  return Status::Ok();
}

// What every rank must share for the ranks to train one model: the options that shape the batches
// and the optimisation, and the train split (names and sizes). Paths, threads and where the run
// is written may differ (only rank 0 writes).
uint64_t shared_fingerprint(const TrainOptions& o, const Corpus& corpus) {
  std::string text = o.model.to_text();
  text += fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n", static_cast<int>(o.trained),
                      o.batch, o.crop, o.source_side, o.steps, o.lr, o.min_lr_ratio, o.warmup, o.weight_decay, o.clip,
                      o.ema, o.seed, o.continuous_steps, o.ramp_steps, static_cast<int>(o.loss), o.entropy_weight,
                      o.entropy_gamma, o.entropy_inv_temperature, o.eval_every, o.rate_weight, o.rate_proxy_lr);
  for (const auto& item : corpus.train)
    text += fmt::format("{} {}x{}\n", item.name, item.image.width, item.image.height);
  return model::fnv1a64(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Rank 0 starts the run (fresh, from --init, or from the checkpoint) and hands its state to the
// others, so every rank starts from the same weights whether or not it can read rank 0's files.
Status start_run(Trainer& trainer, RankGroup* ranks, const TrainOptions& options, const Corpus& corpus,
                 const std::string& checkpoint) {
  if (ranks != nullptr && !ranks->all_agree(shared_fingerprint(options, corpus)))
    return {StatusCode::kInvalidArgument,
            "the ranks differ in their training options or train split: start every rank with the same options "
            "(all but the distributed ones, --threads and the paths) and the same corpus"};
  if (options.dist.rank == 0) {
    if (options.resume && fs::exists(checkpoint)) {
      BSQ_RETURN_IF_ERROR(trainer.load_checkpoint(checkpoint));
      fmt::print(stderr, "resuming from step {}\n", trainer.steps_done());
    } else if (!options.init_model.empty()) {
      BSQ_RETURN_IF_ERROR(trainer.initialise_from(options.init_model));
    }
  }
  if (ranks == nullptr) return Status::Ok();
  std::vector<uint8_t> state;
  if (options.dist.rank == 0) {
    auto saved = trainer.save_state();
    if (!saved.ok()) return saved.status();
    state = std::move(saved.value());
  }
  state = ranks->broadcast_bytes(std::move(state));
  return options.dist.rank == 0 ? Status::Ok() : trainer.load_state(state);
}

Status train(const TrainOptions& options) {
  BSQ_RETURN_IF_ERROR(options.model.validate());
  if (options.crop % options.model.window_pixels() != 0)
    return {StatusCode::kInvalidArgument,
            fmt::format("--crop must be a multiple of window * patch = {}", options.model.window_pixels())};
  if (options.trained == TrainedPart::kEncoder && options.init_model.empty())
    return {StatusCode::kInvalidArgument, "--train encoder needs --init: the decoder it trains against"};
  const DistributedOptions& dist = options.dist;
  if (options.batch < dist.world_size)
    return {StatusCode::kInvalidArgument,
            fmt::format("--batch {} is smaller than the world size {}: every rank needs a crop", options.batch,
                        dist.world_size)};
  const bool main = dist.rank == 0;  // the one rank that evaluates and writes
  auto corpus = load_corpus(options.manifest, options.corpus);
  if (!corpus.ok()) return corpus.status();
  std::error_code ec;
  if (main) fs::create_directories(options.out_dir, ec);
  if (ec) return {StatusCode::kIoError, fmt::format("cannot create '{}': {}", options.out_dir, ec.message())};
  const std::string checkpoint = (fs::path(options.out_dir) / "checkpoint.pt").string();
  const std::string model_path = (fs::path(options.out_dir) / "model.bsqm").string();
  const std::string csv_path = (fs::path(options.out_dir) / "train.csv").string();

  set_compute_threads(options.threads);
  model::install_huge_page_allocator();
  Trainer trainer(options);
  auto joined = RankGroup::join(dist, trainer.device());
  if (!joined.ok()) return joined.status();
  RankGroup* ranks = joined.value().get();
  trainer.set_ranks(ranks);
  BSQ_RETURN_IF_ERROR(start_run(trainer, ranks, options, corpus.value(), checkpoint));
  if (main) BSQ_RETURN_IF_ERROR(prepare_csv(csv_path, trainer.steps_done()));

  // Rank r takes crops [r B / N, (r + 1) B / N) of every step's batch.
  BatchOptions batch_options{options.batch, options.crop, options.seed, true, options.source_side};
  batch_options.shard_begin = static_cast<int>(int64_t{options.batch} * dist.rank / dist.world_size);
  batch_options.shard_end = static_cast<int>(int64_t{options.batch} * (dist.rank + 1) / dist.world_size);
  BatchSource batches(corpus->train, batch_options);
  batches.start(trainer.steps_done());
  std::optional<Progress> progress;
  if (main) progress.emplace(trainer.steps_done(), options.steps, options.log_every);
  auto last = std::chrono::steady_clock::now();
  while (trainer.steps_done() < options.steps) {
    const StepStats s = trainer.step(batches.next());
    const int64_t step = trainer.steps_done();
    const auto now = std::chrono::steady_clock::now();
    trainer.add_elapsed(std::chrono::duration<double>(now - last).count());
    last = now;
    if (progress) progress->update(step, s.loss, s.train_psnr, s.hardness);
    if (step % options.eval_every != 0 && step != options.steps) continue;
    const std::string milestone = fmt::format("saved/{}", step);
    if (!main) {
      ranks->wait_for_main(milestone);
      last = std::chrono::steady_clock::now();
      continue;
    }

    BSQ_RETURN_IF_ERROR(trainer.export_model(model_path, model::WeightPrecision::kFloat16));
    auto dev = evaluate_model(model_path, corpus->dev, eval_runtime(options));
    if (!dev.ok()) return dev.status();
    std::ofstream csv(csv_path, std::ios::app);
    csv << fmt::format("{},{:.1f},{:.6g},{:.3f},{:.6f},{:.3f},{:.3f},{:.4f},{},{:.4f},{:.4f}\n", step,
                       trainer.elapsed_seconds(), s.lr, s.hardness, s.loss, s.train_psnr, dev->full().mean_psnr,
                       dev->full().raw_bpp, levels_text(dev.value()), dev->full().mean_coded_bpp, s.rate_bpp);
    if (!csv) return {StatusCode::kIoError, fmt::format("cannot append to '{}'", csv_path)};
    BSQ_RETURN_IF_ERROR(trainer.save_checkpoint(checkpoint));
    progress->message(
        fmt::format("step {}: dev PSNR {:.2f} dB at {:.3f} bpp raw, {:.4f} bpp coded (entropy {:.2f}/{:.2f} bits{}){}",
                    step, dev->full().mean_psnr, dev->full().raw_bpp, dev->full().mean_coded_bpp, s.entropy_per_sample,
                    s.entropy_codebook, s.rate_bpp > 0 ? fmt::format(", rate proxy {:.4f} bpp", s.rate_bpp) : "",
                    dev->levels.size() > 1 ? " bits:PSNR " + levels_text(dev.value()) : ""));
    if (ranks != nullptr) ranks->signal_from_main(milestone);
    last = std::chrono::steady_clock::now();  // evaluation time is not training time
  }
  if (progress) progress->finish();
  return Status::Ok();
}

}  // namespace

Status run_evaluation(const std::string& model_path, const TrainOptions& options) {
  return caught([&] { return evaluate(model_path, options); });
}

Status run_training(const TrainOptions& options) {
  Status status = caught([&] { return train(options); });
  // With several ranks, every message says which one failed.
  if (!status.ok() && options.dist.world_size > 1)
    status = Status(status.code(),
                    fmt::format("rank {} of {}: {}", options.dist.rank, options.dist.world_size, status.message()));
  return status;
}

}  // namespace bsq::train

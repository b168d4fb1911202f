// The training loop and its bookkeeping.
#include "train_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "batch_source.h"
#include "bsq/tokenizer.h"
#include "corpus.h"
#include "dev_eval.h"
#include "progress.h"
#include "trainer.h"

namespace bsq::train {
namespace {

namespace fs = std::filesystem;

// dev_psnr and raw_bpp are at full rate; dev_levels lists "bits:PSNR" for every evaluated rate.
constexpr const char* kCsvHeader = "step,elapsed_s,lr,hardness,train_loss,train_psnr,dev_psnr,raw_bpp,dev_levels";

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

}  // namespace

Status run_evaluation(const std::string& model_path, const TrainOptions& options) {
  auto corpus = load_corpus(options.manifest, options.corpus, CorpusSplits::kDevOnly);
  if (!corpus.ok()) return corpus.status();
  auto result = evaluate_model(model_path, corpus->dev, eval_runtime(options));
  if (!result.ok()) return result.status();
  for (const auto& level : result->levels) {
    if (result->levels.size() > 1) fmt::print("{} bits per token:\n", level.bits);
    for (size_t i = 0; i < corpus->dev.size(); ++i)
      fmt::print("{:<60} {:6.2f} dB\n", corpus->dev[i].name, level.psnr[i]);
    fmt::print("dev mean PSNR {:.2f} dB at {:.4f} bpp raw ({} images)\n", level.mean_psnr, level.raw_bpp,
               corpus->dev.size());
  }
  return Status::Ok();
}

Status run_training(const TrainOptions& options) {
  BSQ_RETURN_IF_ERROR(options.model.validate());
  if (options.crop % options.model.window_pixels() != 0)
    return {StatusCode::kInvalidArgument,
            fmt::format("--crop must be a multiple of window * patch = {}", options.model.window_pixels())};
  auto corpus = load_corpus(options.manifest, options.corpus);
  if (!corpus.ok()) return corpus.status();
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return {StatusCode::kIoError, fmt::format("cannot create '{}': {}", options.out_dir, ec.message())};
  const std::string checkpoint = (fs::path(options.out_dir) / "checkpoint.pt").string();
  const std::string model_path = (fs::path(options.out_dir) / "model.bsqm").string();
  const std::string csv_path = (fs::path(options.out_dir) / "train.csv").string();

  set_compute_threads(options.threads);
  Trainer trainer(options);
  if (options.resume && fs::exists(checkpoint)) {
    BSQ_RETURN_IF_ERROR(trainer.load_checkpoint(checkpoint));
    fmt::print(stderr, "resuming from step {}\n", trainer.steps_done());
  } else if (!options.init_model.empty()) {
    BSQ_RETURN_IF_ERROR(trainer.initialise_from(options.init_model));
  }
  BSQ_RETURN_IF_ERROR(prepare_csv(csv_path, trainer.steps_done()));

  BatchSource batches(corpus->train, {options.batch, options.crop, options.seed, true, options.source_side});
  batches.start(trainer.steps_done());
  Progress progress(trainer.steps_done(), options.steps, options.log_every);
  auto last = std::chrono::steady_clock::now();
  while (trainer.steps_done() < options.steps) {
    const StepStats s = trainer.step(batches.next());
    const int64_t step = trainer.steps_done();
    const auto now = std::chrono::steady_clock::now();
    trainer.add_elapsed(std::chrono::duration<double>(now - last).count());
    last = now;
    progress.update(step, s.loss, s.train_psnr, s.hardness);
    if (step % options.eval_every != 0 && step != options.steps) continue;

    BSQ_RETURN_IF_ERROR(trainer.export_model(model_path, model::WeightPrecision::kFloat16));
    auto dev = evaluate_model(model_path, corpus->dev, eval_runtime(options));
    if (!dev.ok()) return dev.status();
    std::ofstream csv(csv_path, std::ios::app);
    csv << fmt::format("{},{:.1f},{:.6g},{:.3f},{:.6f},{:.3f},{:.3f},{:.4f},{}\n", step, trainer.elapsed_seconds(),
                       s.lr, s.hardness, s.loss, s.train_psnr, dev->full().mean_psnr, dev->full().raw_bpp,
                       levels_text(dev.value()));
    if (!csv) return {StatusCode::kIoError, fmt::format("cannot append to '{}'", csv_path)};
    BSQ_RETURN_IF_ERROR(trainer.save_checkpoint(checkpoint));
    progress.message(fmt::format("step {}: dev PSNR {:.2f} dB at {:.3f} bpp raw (entropy {:.2f}/{:.2f} bits){}", step,
                                 dev->full().mean_psnr, dev->full().raw_bpp, s.entropy_per_sample, s.entropy_codebook,
                                 dev->levels.size() > 1 ? " bits:PSNR " + levels_text(dev.value()) : ""));
    last = std::chrono::steady_clock::now();  // evaluation time is not training time
  }
  progress.finish();
  return Status::Ok();
}

}  // namespace bsq::train

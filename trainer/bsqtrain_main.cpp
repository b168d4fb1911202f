// bsqtrain: command line for training BSQ-ViT tokenizer models. Parses options, calls the trainer.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <map>
#include <string>

#include "bsq/exit_codes.h"
#include "bsq/status.h"
#include "train_run.h"

namespace {

// An option not given on the command line takes its environment variable, as PyTorch's launchers
// set them (torchrun: MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK).
bsq::Status apply_environment(const CLI::Option* option, const char* variable, int* value, int low, int high) {
  const char* text = std::getenv(variable);
  if (option->count() > 0 || text == nullptr || *text == '\0') return bsq::Status::Ok();
  const char* end = text + std::char_traits<char>::length(text);
  int parsed = 0;
  const auto [at, error] = std::from_chars(text, end, parsed);
  if (error != std::errc() || at != end || parsed < low || parsed > high)
    return {bsq::StatusCode::kInvalidArgument, fmt::format("{}='{}' is not a number from {} to {} (see {})", variable,
                                                           text, low, high, option->get_name())};
  *value = parsed;
  return bsq::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  bsq::train::TrainOptions o;
  auto& m = o.model;
  CLI::App app{
      "bsqtrain: trains a BSQ-ViT tokenizer model for the bsq codec on the fixed corpus.\n"
      "Writes OUT/checkpoint.pt, OUT/model.bsqm (EMA weights) and OUT/train.csv."};
  app.set_version_flag("--version", "bsqtrain " BSQ_VERSION);
  std::string eval_model;
  std::string loss = "mse";
  std::string trained = "all";

  app.add_option("--out", o.out_dir, "Run directory for checkpoint, model and CSV")->capture_default_str();
  app.add_flag("--resume", o.resume, "Continue from OUT/checkpoint.pt when it exists");
  app.add_option("--init", o.init_model,
                 "Start a fresh run from this model file's weights (--bits may differ, --patch too)");
  app.add_option("--eval-only", eval_model, "Only evaluate this model file on the dev split and exit");
  app.add_option("--manifest", o.manifest, "Corpus manifest (split, package, path)")->capture_default_str();
  app.add_option("--corpus", o.corpus, "Directory the corpus was fetched into")->capture_default_str();
  app.add_option("--threads", o.threads, "Compute threads (0: all hardware threads)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));

  app.add_option("--precision", o.eval_precision,
                 "Arithmetic of the dev evaluations: auto, float32 or bfloat16 (as bsqenc)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, bsq::Precision>(std::begin(bsq::kPrecisionNames), std::end(bsq::kPrecisionNames))))
      ->default_str("auto");

  auto* g = "Model";
  app.add_option("--patch", m.patch, "Pixels per token side (power of two)")->capture_default_str()->group(g);
  app.add_option("--width", m.width, "Transformer width")->capture_default_str()->group(g);
  app.add_option("--encoder-depth", m.encoder_depth, "Encoder transformer blocks")->capture_default_str()->group(g);
  app.add_option("--decoder-depth", m.decoder_depth, "Decoder transformer blocks")->capture_default_str()->group(g);
  app.add_option("--heads", m.heads, "Attention heads")->capture_default_str()->group(g);
  app.add_option("--bits", m.bits, "Bits per token L (raw rate L/patch^2 bpp)")->capture_default_str()->group(g);
  app.add_option("--window", m.window, "Attention window side, in tokens")->capture_default_str()->group(g);
  app.add_option("--min-bits", m.min_bits, "Nested bits: train decoding from the first k >= this bits (0: all bits)")
      ->capture_default_str()
      ->group(g);
  app.add_option("--stem-channels", m.stem_channels, "Channels of the conv stem and head")
      ->capture_default_str()
      ->group(g);
  app.add_option("--max-frames", m.max_frames, "Longest clip for temporal attention")->capture_default_str()->group(g);

  g = "Training";
  app.add_option("--steps", o.steps, "Optimiser steps in total")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->group(g);
  app.add_option("--batch", o.batch, "Crops per step")->capture_default_str()->check(CLI::Range(1, 4096))->group(g);
  app.add_option("--crop", o.crop, "Crop side in pixels (a multiple of window * patch)")
      ->capture_default_str()
      ->check(CLI::Range(8, 4096))
      ->group(g);
  app.add_option("--source-side", o.source_side,
                 "Downscale sources whose shorter side is >= 2x this by a whole factor towards it (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 15))
      ->group(g);
  app.add_option("--lr", o.lr, "Peak learning rate (AdamW)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--min-lr-ratio", o.min_lr_ratio, "Cosine decay ends at lr times this")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->group(g);
  app.add_option("--warmup", o.warmup, "Linear learning-rate warm-up steps")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--clip", o.clip, "Maximum global gradient norm")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--ema", o.ema, "EMA decay of the exported weights")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->group(g);
  app.add_option("--seed", o.seed, "Seed of the initialisation and of every batch")->capture_default_str()->group(g);
  app.add_option("--continuous-steps", o.continuous_steps, "Steps with a continuous (unquantised) bottleneck first")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--ramp-steps", o.ramp_steps, "Steps blending from continuous to binary codes")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--train", trained,
                 "Weights that learn: all, or encoder (stem, encoder, projection to the bits; the decoder side keeps "
                 "the --init model's weights)")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "encoder"}))
      ->group(g);
  app.add_option("--loss", loss, "Reconstruction loss")
      ->capture_default_str()
      ->check(CLI::IsMember({"mse", "l1", "ms-ssim", "log-mse"}))
      ->group(g);
  app.add_option("--entropy-weight", o.entropy_weight, "Weight of the BSQ entropy term (per bit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--entropy-gamma", o.entropy_gamma, "Weight of the codebook entropy inside that term")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--entropy-inv-temperature", o.entropy_inv_temperature, "Soft bits are sigmoid(4 * u * this)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--rate-weight", o.rate_weight,
                 "Rate-aware training: weight of the codes' length in bpp under a learnt stand-in for the entropy "
                 "coder's prior (0: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  app.add_option("--rate-proxy-lr", o.rate_proxy_lr, "Constant learning rate of that stand-in (Adam)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--eval-every", o.eval_every, "Steps between dev evaluations, checkpoints and exports")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->group(g);
  app.add_option("--log-every", o.log_every, "Steps between log lines when stderr is not a terminal")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->group(g);

  g = "Distributed (several processes train one model; default: the environment, as PyTorch's launchers set it)";
  auto& d = o.dist;
  auto* world_size = app.add_option("--world-size", d.world_size, "Ranks (processes) training together ($WORLD_SIZE)")
                         ->capture_default_str()
                         ->check(CLI::Range(1, 4096))
                         ->group(g);
  auto* rank = app.add_option("--rank", d.rank, "This process's rank, 0 to world size - 1; rank 0 writes OUT ($RANK)")
                   ->capture_default_str()
                   ->check(CLI::Range(0, 4095))
                   ->group(g);
  auto* local_rank =
      app.add_option("--local-rank", d.local_rank, "This rank's GPU on its machine, CUDA builds ($LOCAL_RANK)")
          ->capture_default_str()
          ->check(CLI::Range(0, 4095))
          ->group(g);
  auto* master_addr =
      app.add_option("--master-addr", d.master_addr, "Address of rank 0's machine, where the ranks meet ($MASTER_ADDR)")
          ->capture_default_str()
          ->group(g);
  auto* master_port = app.add_option("--master-port", d.master_port, "Port rank 0 listens on ($MASTER_PORT)")
                          ->capture_default_str()
                          ->check(CLI::Range(1, 65535))
                          ->group(g);
  app.add_option("--dist-timeout", d.timeout_seconds,
                 "Seconds to wait for the other ranks to join, and in each exchange")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400))
      ->group(g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "bsqtrain: {} (see --help)\n", e.what());
    return bsq::kExitUsage;
  }
  static const std::map<std::string, bsq::train::ReconstructionLoss> kLosses = {
      {"mse", bsq::train::ReconstructionLoss::kMse},
      {"l1", bsq::train::ReconstructionLoss::kL1},
      {"ms-ssim", bsq::train::ReconstructionLoss::kMsSsim},
      {"log-mse", bsq::train::ReconstructionLoss::kLogMse}};
  o.loss = kLosses.at(loss);
  o.trained = trained == "encoder" ? bsq::train::TrainedPart::kEncoder : bsq::train::TrainedPart::kAll;
  bsq::Status env = apply_environment(world_size, "WORLD_SIZE", &d.world_size, 1, 4096);
  if (env.ok()) env = apply_environment(rank, "RANK", &d.rank, 0, 4095);
  if (env.ok()) env = apply_environment(local_rank, "LOCAL_RANK", &d.local_rank, 0, 4095);
  if (env.ok()) env = apply_environment(master_port, "MASTER_PORT", &d.master_port, 1, 65535);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0' && master_addr->count() == 0)
    d.master_addr = addr;
  if (env.ok() && d.rank >= d.world_size)
    env = {bsq::StatusCode::kInvalidArgument,
           fmt::format("rank {} is not below the world size {}", d.rank, d.world_size)};
  if (!env.ok()) {
    fmt::print(stderr, "bsqtrain: {}\n", env.message());
    return bsq::exit_code(env.code());
  }

  const bsq::Status status =
      eval_model.empty() ? bsq::train::run_training(o) : bsq::train::run_evaluation(eval_model, o);
  if (!status.ok()) {
    fmt::print(stderr, "bsqtrain: {}\n", status.message());
    return bsq::exit_code(status.code());
  }
  return 0;
}

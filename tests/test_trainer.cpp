// Trainer: exact resume, deterministic batches, schedules, losses and the corpus loader.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "batch_source.h"
#include "bsq/metrics.h"
#include "corpus.h"
#include "losses.h"
#include "media/image_io.h"
#include "rate_proxy.h"
#include "schedule.h"
#include "tiny_model.h"
#include "trainer.h"

using namespace bsq;
using namespace bsq::train;

namespace {

TrainOptions tiny_options() {
  TrainOptions o;
  o.model = testing::tiny_config();
  o.batch = 2;
  o.crop = 16;
  o.steps = 6;
  o.warmup = 2;
  o.continuous_steps = 2;
  o.ramp_steps = 2;
  return o;
}

std::vector<CorpusImage> synthetic_images() {
  std::vector<CorpusImage> images;
  for (int k = 0; k < 3; ++k) {
    Image img(40 + 7 * k, 36);
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x)
        for (int c = 0; c < 3; ++c) img.row(y)[3 * x + c] = static_cast<uint8_t>(20 + x * (c + 1) + y * 2 + k * 30);
    images.push_back({"synthetic" + std::to_string(k), img});
  }
  return images;
}

std::vector<torch::Tensor> weights(Trainer& t) {
  std::vector<torch::Tensor> out;
  for (const auto& p : t.net()->parameters()) out.push_back(p.detach().clone());
  for (const auto& p : t.ema()->parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST_CASE("batches depend only on seed and step") {
  BatchSource a(synthetic_images(), {2, 16, 5, true}), b(synthetic_images(), {2, 16, 5, true});
  CHECK(torch::equal(a.make(3), b.make(3)));
  CHECK_FALSE(torch::equal(a.make(3), a.make(4)));
  a.start(3);
  CHECK(torch::equal(a.next(), b.make(3)));
  CHECK(torch::equal(a.next(), b.make(4)));
  const auto batch = b.make(0);
  CHECK(batch.sizes() == torch::IntArrayRef({2, 1, 3, 16, 16}));
  CHECK(batch.min().item<float>() >= -1.0f);
  CHECK(batch.max().item<float>() <= 1.0f);
}

TEST_CASE("batch shards: ranks' crops, in rank order, are the whole batch") {
  BatchOptions whole{7, 16, 5, true};
  const auto all = BatchSource(synthetic_images(), whole).make(9);
  std::vector<torch::Tensor> parts;
  for (const auto& [begin, end] : {std::pair{0, 2}, {2, 4}, {4, 7}}) {
    BatchOptions shard = whole;
    shard.shard_begin = begin;
    shard.shard_end = end;
    parts.push_back(BatchSource(synthetic_images(), shard).make(9));
    CHECK(parts.back().size(0) == end - begin);
  }
  CHECK(torch::equal(torch::cat(parts), all));
}

TEST_CASE("batch source: a failure in the background thread is rethrown by next() on the caller's thread") {
  BatchOptions broken{2, 16, 5, true};
  broken.shard_begin = 2;  // past shard_end: make() asks LibTorch for a batch of -1 crops
  broken.shard_end = 1;
  BatchSource batches(synthetic_images(), broken);
  CHECK_THROWS_WITH_AS(batches.make(0), doctest::Contains("negative dimension"), c10::Error);
  batches.start(0);
  CHECK_THROWS_WITH_AS(batches.next(), doctest::Contains("negative dimension"), c10::Error);
}

TEST_CASE("state bytes: what rank 0 sends restores its trainer exactly") {
  torch::set_num_threads(1);
  const auto options = tiny_options();
  BatchSource batches(synthetic_images(), {options.batch, options.crop, options.seed, true});
  Trainer sender(options);
  for (int64_t s = 0; s < 2; ++s) sender.step(batches.make(s));
  auto bytes = sender.save_state();
  REQUIRE(bytes.ok());
  auto other_options = options;
  other_options.seed = 99;  // other initial weights, which the state replaces
  Trainer receiver(other_options);
  REQUIRE(receiver.load_state(bytes.value()).ok());
  CHECK(receiver.steps_done() == 2);
  const auto a = sender.step(batches.make(2)), b = receiver.step(batches.make(2));
  CHECK(a.loss == b.loss);
  const auto x = sender.net()->parameters(), y = receiver.net()->parameters();
  for (size_t i = 0; i < x.size(); ++i) CHECK(torch::equal(x[i], y[i]));

  auto wider = options;
  wider.model.bits += 1;
  Trainer mismatch(wider);
  CHECK(mismatch.load_state(bytes.value()).code() == StatusCode::kModelMismatch);
  CHECK(mismatch.load_state({1, 2, 3}).code() == StatusCode::kIoError);
}

TEST_CASE("resuming training gives the same weights as an uninterrupted run") {
  torch::set_num_threads(1);
  auto options = tiny_options();
  // Rate-aware training keeps the rate proxy and its optimiser in the checkpoint too: without them
  // the resumed run's rate gradients, and so its weights, would differ.
  SUBCASE("reconstruction and entropy terms") {}
  SUBCASE("with the rate proxy") { options.rate_weight = 0.05; }
  const auto images = synthetic_images();
  BatchSource batches(images, {options.batch, options.crop, options.seed, true});

  Trainer straight(options);
  for (int64_t s = 0; s < 6; ++s) straight.step(batches.make(s));

  const auto checkpoint = testing::temp_path("resume.pt");
  {
    Trainer first(options);
    for (int64_t s = 0; s < 3; ++s) first.step(batches.make(s));
    REQUIRE(first.save_checkpoint(checkpoint).ok());
  }
  Trainer resumed(options);
  REQUIRE(resumed.load_checkpoint(checkpoint).ok());
  CHECK(resumed.steps_done() == 3);
  for (int64_t s = resumed.steps_done(); s < 6; ++s) resumed.step(batches.make(s));

  const auto a = weights(straight), b = weights(resumed);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i], b[i]));

  // A checkpoint of other model options is refused, and so is one with the rate proxy where it is
  // off, or the reverse.
  auto other = options;
  other.model.bits = 6;
  Trainer mismatched(other);
  CHECK(mismatched.load_checkpoint(checkpoint).code() == StatusCode::kModelMismatch);
  auto flipped = options;
  flipped.rate_weight = options.rate_weight > 0 ? 0.0 : 0.05;
  Trainer other_rate(flipped);
  CHECK(other_rate.load_checkpoint(checkpoint).code() == StatusCode::kModelMismatch);
}

TEST_CASE("rate proxy: learns what the codes repeat, charges nothing for bits not sent, steers the codes") {
  torch::manual_seed(3);
  constexpr int64_t bits = 8;
  const double c = 1.0 / std::sqrt(double{bits});
  // Rows of copies: every token is its left neighbour; each row draws its own token.
  const auto random_codes = [&](int64_t rows, int64_t cols) {
    return (torch::randint(0, 2, {1, 1, rows, cols, bits}) * 2 - 1).to(torch::kFloat32) * c;
  };
  const auto copies = [&] { return random_codes(8, 1).expand({1, 1, 8, 8, bits}).contiguous(); };

  RateProxy proxy(bits);
  // Untrained, it is the raw rate: one bit per sent bit, none for bits not sent.
  CHECK(proxy->forward(copies()).mean().item<double>() == doctest::Approx(bits));
  auto half = copies();
  half.narrow(4, bits / 2, bits / 2).zero_();
  CHECK(proxy->forward(half).mean().item<double>() == doctest::Approx(bits / 2));

  torch::optim::Adam optimiser(proxy->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 300; ++step) {
    optimiser.zero_grad();
    proxy->forward(copies()).mean().backward();
    optimiser.step();
  }
  // Fresh grids: the copies cost a fraction of their raw bits (the first column's tokens are new);
  // what it learnt is the copying, not a guess of the bits: random tokens cost their raw bits or more.
  const double copied = proxy->forward(copies()).mean().item<double>();
  const double random = proxy->forward(random_codes(8, 8)).mean().item<double>();
  CHECK(copied < 0.35 * bits);
  CHECK(random > 0.95 * bits);

  // The code length's gradient reaches the codes: at a token that differs from its left
  // neighbour, it points towards the neighbour's bits.
  auto grid = copies();
  grid.select(3, 5).select(2, 3).neg_();  // row 3, column 5: every bit flipped
  grid.set_requires_grad(true);
  proxy->forward(grid).sum().backward();
  const auto step_down = -grid.grad()[0][0][3][5];
  const auto towards_left = grid.detach()[0][0][3][4];
  CHECK((step_down * towards_left).sum().item<double>() > 0);
}

TEST_CASE("training lowers the loss on a fixed batch") {
  torch::set_num_threads(1);
  auto options = tiny_options();
  options.steps = 100;
  options.lr = 3e-3;
  options.continuous_steps = 1000;  // keep it continuous: this checks the optimiser wiring
  BatchSource batches(synthetic_images(), {options.batch, options.crop, options.seed, true});
  Trainer trainer(options);
  const auto batch = batches.make(0);
  const double first = trainer.step(batch).reconstruction;
  double last = first;
  for (int i = 0; i < 99; ++i) last = trainer.step(batch).reconstruction;
  CHECK(last < 0.5 * first);
}

TEST_CASE("schedules: warm-up, cosine decay, continuous then binary") {
  TrainOptions o;
  o.lr = 1.0;
  o.warmup = 10;
  o.steps = 110;
  o.min_lr_ratio = 0.1;
  CHECK(learning_rate(o, 0) == doctest::Approx(0.1));
  CHECK(learning_rate(o, 9) == doctest::Approx(1.0));
  CHECK(learning_rate(o, 60) == doctest::Approx(0.55));
  CHECK(learning_rate(o, 110) == doctest::Approx(0.1));
  o.continuous_steps = 5;
  o.ramp_steps = 4;
  CHECK(quantizer_hardness(o, 4) == 0.0);
  CHECK(quantizer_hardness(o, 5) == doctest::Approx(0.25));
  CHECK(quantizer_hardness(o, 8) == 1.0);
  CHECK(quantizer_hardness(o, 1000) == 1.0);
}

TEST_CASE("losses: identical images cost nothing, MS-SSIM of identical images is 1") {
  torch::manual_seed(1);
  const auto x = torch::rand({2, 1, 3, 64, 64}) * 2 - 1;
  CHECK(reconstruction_loss(x, x, ReconstructionLoss::kMse).item<double>() == 0.0);
  CHECK(reconstruction_loss(x, x, ReconstructionLoss::kL1).item<double>() == 0.0);
  CHECK(reconstruction_loss(x, x, ReconstructionLoss::kMsSsim).item<double>() == doctest::Approx(0.0).epsilon(1e-5));
  const auto noisy = (x + 0.2 * torch::randn_like(x)).clamp(-1, 1);
  const double ssim = 1 - reconstruction_loss(noisy, x, ReconstructionLoss::kMsSsim).item<double>();
  CHECK(ssim < 0.99);
  CHECK(ssim > 0.0);
  CHECK(reconstruction_loss(noisy, x, ReconstructionLoss::kMse).item<double>() > 0.0);
}

TEST_CASE("losses: the training MS-SSIM is the reported one (bsq::ms_ssim), odd sizes and few scales included") {
  for (const auto& [w, h] : {std::pair{64, 48}, {37, 29}, {200, 181}, {11, 13}}) {
    CAPTURE(w);
    CAPTURE(h);
    Image a(w, h), b(w, h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          a.row(y)[3 * x + c] = static_cast<uint8_t>((x * 7 + y * 3 + c * 50) % 256);
          b.row(y)[3 * x + c] =
              static_cast<uint8_t>(std::clamp((x * 7 + y * 3 + c * 50) % 256 + (x * y % 23) - 11, 0, 255));
        }
    const auto tensor = [](const Image& im) {
      return torch::from_blob(const_cast<uint8_t*>(im.rgb.data()), {1, im.height, im.width, 3}, torch::kUInt8)
          .permute({0, 3, 1, 2})
          .to(torch::kFloat64)
          .div(255.0);
    };
    const double reported = bsq::ms_ssim(a, b).value();
    const double trained = train::ms_ssim(tensor(a), tensor(b)).item<double>();
    CHECK(reported < 0.999);
    CHECK(trained == doctest::Approx(reported).epsilon(1e-9));
  }
}

TEST_CASE("nested bits: kept bits per step are in range, spread out, and a function of seed and step") {
  TrainOptions o;
  o.model.bits = 64;
  o.model.min_bits = 8;
  std::vector<int> count(65, 0);
  for (int64_t step = 0; step < 8000; ++step) {
    const int64_t k = kept_bits(o, step);
    REQUIRE(k >= 8);
    REQUIRE(k <= 64);
    CHECK(k == kept_bits(o, step));
    ++count[k];
  }
  // Uniform over 8..64: every k occurs about 8000 / 57 = 140 times.
  for (int k = 8; k <= 64; ++k) {
    CAPTURE(k);
    CHECK(count[k] > 90);
    CHECK(count[k] < 190);
  }
  auto other_seed = o;
  other_seed.seed = 2;
  int same = 0;
  for (int64_t step = 0; step < 100; ++step) same += kept_bits(o, step) == kept_bits(other_seed, step);
  CHECK(same < 50);
  TrainOptions fixed;  // a fixed-rate model keeps every bit
  CHECK(kept_bits(fixed, 3) == fixed.model.bits);
}

TEST_CASE("log-MSE loss: scale * log(batch MSE), so its gradient is plain MSE's times scale / MSE") {
  torch::manual_seed(2);
  const auto target = torch::rand({2, 1, 3, 8, 8}) * 2 - 1;
  for (double sigma : {0.3, 0.03}) {
    CAPTURE(sigma);
    const auto noise = torch::randn({2, 1, 3, 8, 8}) * sigma;
    auto a = (target + noise).requires_grad_(true);
    auto b = (target + noise).requires_grad_(true);
    const auto log_loss = reconstruction_loss(a, target, ReconstructionLoss::kLogMse);
    const auto mse = reconstruction_loss(b, target, ReconstructionLoss::kMse);
    CHECK(log_loss.item<double>() == doctest::Approx(kLogMseScale * std::log(mse.item<double>())));
    log_loss.backward();
    mse.backward();
    CHECK(torch::allclose(a.grad(), b.grad() * (kLogMseScale / mse.item<double>()), 1e-4, 1e-12));
  }
}

namespace {

// A source model for --init: a Trainer with OPTIONS after one step on synthetic images, exported
// in float32 as NAME; batches gives the inputs to compare the two models on.
struct InitSource {
  InitSource(const TrainOptions& options, const std::string& name)
      : trainer(options),
        images(synthetic_images()),
        batches(images, {options.batch, options.crop, options.seed, true}) {
    trainer.step(batches.make(0));
    path = testing::temp_path(name);
    REQUIRE(trainer.export_model(path, model::WeightPrecision::kFloat32).ok());
  }
  Trainer trainer;
  std::vector<CorpusImage> images;
  BatchSource batches;
  std::string path;
};

}  // namespace

TEST_CASE("--init: a model file with fewer bits starts the run where it was, at its own rate") {
  torch::set_num_threads(1);
  auto small = tiny_options();
  small.model.bits = 6;
  InitSource init(small, "init_source.bsqm");
  Trainer& source = init.trainer;
  BatchSource& batches = init.batches;
  const std::string& path = init.path;

  auto grown = tiny_options();
  grown.model.bits = 8;
  grown.model.min_bits = 2;
  Trainer run(grown);
  REQUIRE(run.initialise_from(path).ok());
  torch::NoGradGuard no_grad;
  const auto x = batches.make(1);
  const auto before = source.ema()->decode(source.ema()->encode(x).codes);
  const auto enc = run.net()->encode(x);
  // The first 6 channels are the source's bits; decoded from those alone, the output is the source's.
  CHECK(torch::equal(enc.u.narrow(-1, 0, 6) >= 0, source.ema()->encode(x).u >= 0));
  const auto after = run.net()->decode(enc.codes * model::leading_bits_mask(6, 8));
  CHECK(torch::allclose(after, before, 1e-4, 1e-5));
  // The new channels start random, not at 0 (a saddle the new bits do not leave), so they count.
  CHECK_FALSE(torch::allclose(run.net()->decode(enc.codes), before, 1e-4, 1e-5));
  for (const auto& p : run.ema()->named_parameters())
    CHECK(torch::equal(p.value(), run.net()->named_parameters()[p.key()]));

  // Anything but the bit count must match.
  auto wider = grown;
  wider.model.width = 24;
  Trainer mismatch(wider);
  CHECK(mismatch.initialise_from(path).code() == StatusCode::kModelMismatch);
  auto fewer = grown;
  fewer.model.bits = 4;
  fewer.model.min_bits = 0;
  Trainer shrink(fewer);
  CHECK(shrink.initialise_from(path).code() == StatusCode::kModelMismatch);
}

TEST_CASE("--init: fewer bits of a nested model start the run at its rate for that many bits") {
  torch::set_num_threads(1);
  auto nested = tiny_options();
  nested.model.bits = 8;
  nested.model.min_bits = 4;
  InitSource init(nested, "init_nested.bsqm");
  Trainer& source = init.trainer;
  BatchSource& batches = init.batches;
  const std::string& path = init.path;

  auto fewer = nested;
  fewer.model.bits = 5;
  fewer.model.min_bits = 0;
  Trainer run(fewer);
  REQUIRE(run.initialise_from(path).ok());
  torch::NoGradGuard no_grad;
  const auto x = batches.make(1);
  const auto source_codes = source.ema()->encode(x);
  CHECK(torch::equal(run.net()->encode(x).u >= 0, source_codes.u.narrow(-1, 0, 5) >= 0));
  const auto want = source.ema()->decode(source_codes.codes * model::leading_bits_mask(5, 8));
  CHECK(torch::allclose(run.net()->decode(run.net()->encode(x).codes), want, 1e-4, 1e-5));

  // Below the fewest bits the source decodes from: refused.
  auto too_few = fewer;
  too_few.model.bits = 3;
  Trainer shrink(too_few);
  CHECK(shrink.initialise_from(path).code() == StatusCode::kModelMismatch);
}

TEST_CASE("--init: deeper encoder and decoder start as the source model, and their new blocks learn") {
  torch::set_num_threads(1);
  const auto options = tiny_options();
  InitSource init(options, "init_shallow.bsqm");
  Trainer& source = init.trainer;
  BatchSource& batches = init.batches;
  const std::string& path = init.path;

  auto deeper = options;
  deeper.model.encoder_depth += 1;
  deeper.model.decoder_depth += 2;
  Trainer run(deeper);
  REQUIRE(run.initialise_from(path).ok());
  const auto x = batches.make(1);
  {
    torch::NoGradGuard no_grad;
    const auto want = source.ema()->decode(source.ema()->encode(x).codes);
    CHECK(torch::allclose(run.net()->decode(run.net()->encode(x).codes), want, 1e-4, 1e-5));
  }
  // The new blocks are not stuck at the identity: a training step moves their output projections.
  const std::string added = "decoder.blocks." + std::to_string(options.model.decoder_depth) + ".fc2.weight";
  CHECK(run.net()->named_parameters()[added].abs().max().item<double>() == 0.0);
  run.step(batches.make(2));
  CHECK(run.net()->named_parameters()[added].abs().max().item<double>() > 0.0);

  // Fewer blocks than the source: refused.
  auto shallower = options;
  shallower.model.decoder_depth -= 1;
  Trainer shrink(shallower);
  CHECK(shrink.initialise_from(path).code() == StatusCode::kModelMismatch);
}

TEST_CASE("--train encoder: a deeper encoder learns against the source's decoder, which stays as it was") {
  torch::set_num_threads(1);
  const auto options = tiny_options();
  InitSource init(options, "init_decoder.bsqm");
  BatchSource& batches = init.batches;

  auto encoder_only = options;
  encoder_only.model.encoder_depth += 1;
  encoder_only.trained = TrainedPart::kEncoder;
  Trainer run(encoder_only);
  REQUIRE(run.initialise_from(init.path).ok());
  std::map<std::string, torch::Tensor> start;
  for (const auto& p : run.net()->named_parameters()) start[p.key()] = p.value().detach().clone();
  for (int64_t s = 2; s < 5; ++s) run.step(batches.make(s));

  const auto decoder_side = [](const std::string& key) {
    return key.rfind("quantizer.up.", 0) == 0 || key.rfind("decoder.", 0) == 0 || key.rfind("head.", 0) == 0;
  };
  int frozen = 0, learnt = 0;
  for (const auto& p : run.net()->named_parameters()) {
    const bool same = torch::equal(p.value(), start[p.key()]);
    const auto ema = run.ema()->named_parameters()[p.key()];
    if (decoder_side(p.key())) {
      ++frozen;
      CHECK_MESSAGE(same, p.key());
      CHECK_MESSAGE(torch::equal(ema, start[p.key()]), p.key());  // the exported weights too
    } else if (!same) {
      ++learnt;
    }
  }
  CHECK(frozen > 0);
  CHECK(learnt > 0);
  CHECK_FALSE(torch::equal(run.net()->named_parameters()["encoder.blocks.2.fc2.weight"],
                           start["encoder.blocks.2.fc2.weight"]));  // the added block

  // Its checkpoint holds the encoder's optimiser moments only: a whole-model run refuses it.
  const auto checkpoint = testing::temp_path("encoder_only.pt");
  REQUIRE(run.save_checkpoint(checkpoint).ok());
  auto whole = encoder_only;
  whole.trained = TrainedPart::kAll;
  Trainer other(whole);
  CHECK(other.load_checkpoint(checkpoint).code() == StatusCode::kModelMismatch);
  Trainer same(encoder_only);
  CHECK(same.load_checkpoint(checkpoint).ok());
}

TEST_CASE("corpus loader: splits, skipped videos, clear errors") {
  const auto dir = std::filesystem::path(testing::temp_path("corpus"));
  std::filesystem::create_directories(dir / "pkg");
  const auto images = synthetic_images();
  REQUIRE(media::write_image(images[0].image, (dir / "pkg/a.png").string()).ok());
  REQUIRE(media::write_image(images[1].image, (dir / "pkg/b.png").string()).ok());
  const auto manifest = testing::temp_path("manifest.tsv");
  std::ofstream(manifest) << "# split\tpackage\tpath\ntrain\tpkg\ta.png\ndev\tpkg\tb.png\ntrain\tpkg\tclip.avi\n";
  auto corpus = load_corpus(manifest, dir.string());
  REQUIRE(corpus.ok());
  CHECK(corpus->train.size() == 1);
  CHECK(corpus->dev.size() == 1);
  CHECK(corpus->dev[0].image.rgb == images[1].image.rgb);

  CHECK(load_corpus(manifest, testing::temp_path("nowhere")).status().message().find("fetch_corpus") !=
        std::string::npos);
  CHECK(load_corpus(testing::temp_path("none.tsv"), dir.string()).status().code() == StatusCode::kIoError);
  std::ofstream(manifest) << "train\tpkg\tmissing.png\n";
  CHECK(load_corpus(manifest, dir.string()).status().message().find("missing.png") != std::string::npos);
  std::ofstream(dir / "pkg/text.png") << "not an image";
  std::ofstream(manifest) << "train\tpkg\ttext.png\n";
  CHECK(load_corpus(manifest, dir.string()).status().code() != StatusCode::kOk);

  // Evaluation reads the dev split alone: train files need not be fetched (the tests fetch dev only).
  std::ofstream(manifest) << "train\tpkg\tmissing.png\ndev\tpkg\tb.png\ntrain\tpkg\tclip.MPG\n";
  auto dev = load_corpus(manifest, dir.string(), CorpusSplits::kDevOnly);
  REQUIRE(dev.ok());
  CHECK(dev->train.empty());
  CHECK(dev->dev.size() == 1);
  CHECK(!load_corpus(manifest, dir.string()).ok());
}

TEST_CASE("corpus loader: videos are told by extension, in any case") {
  for (const char* video : {"a.avi", "b.mp4", "c.MPG", "d.mpeg", "e.webm", "f.mkv", "g.mov", "h.ogv", "i.y4m", "j.m4v"})
    CHECK(is_video_path(video));
  for (const char* still : {"a.jpg", "b.webp", "c.png", "d.rcc!/x/y.webp", "mp4"}) CHECK_FALSE(is_video_path(still));
}

TEST_CASE("batch source: large sources are box-downscaled by a whole factor towards source_side") {
  // 96x64 of 2x2 blocks of one value each: a 2x box average gives exactly the 48x32 block image.
  Image big(96, 64), small(48, 32);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 96; ++x)
      for (int c = 0; c < 3; ++c) {
        const auto v = static_cast<uint8_t>((x / 2 * 7 + y / 2 * 13 + c * 50) % 256);
        big.rgb[(static_cast<size_t>(y) * 96 + x) * 3 + c] = v;
        small.rgb[(static_cast<size_t>(y / 2) * 48 + x / 2) * 3 + c] = v;
      }
  // Shorter side 64 >= 2 * 16: factor 64 / 16 = 4 would leave 24x16; with source_side 32 the factor is 2.
  BatchSource scaled({{"big", big}}, {1, 32, 3, false, 32}), reference({{"small", small}}, {1, 32, 3, false, 0});
  for (int64_t step = 0; step < 4; ++step) CHECK(torch::equal(scaled.make(step), reference.make(step)));
  // Below twice source_side a source is kept as it is.
  BatchSource kept({{"big", big}}, {1, 32, 3, false, 33}), unscaled({{"big", big}}, {1, 32, 3, false, 0});
  CHECK(torch::equal(kept.make(0), unscaled.make(0)));
}

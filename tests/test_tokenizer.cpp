// Tokenizer: any image size, model files, the frame axis and its block-causal attention.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "bsq/tokenizer.h"
#include "model/model_file.h"
#include "model/stripe_runner.h"
#include "model/tokenizer_model.h"
#include "tiny_model.h"
#include "tiny_model_file.h"
#include "token_coder.h"
#include "window_bits.h"

using namespace bsq;

namespace {

Image noise_image(int w, int h, unsigned seed) {
  Image img(w, h);
  std::mt19937 rng(seed);
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng());
  return img;
}

std::string saved_tiny_model(const std::string& name,
                             model::WeightPrecision precision = model::WeightPrecision::kFloat32) {
  torch::manual_seed(7);
  model::TokenizerModel net(testing::tiny_config());
  const auto path = testing::temp_path(name);
  REQUIRE(model::save_model(net, path, precision).ok());
  return path;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Writes CONTENT to a scratch file NAME and returns its path.
std::string scratch_file(const std::string& name, const std::string& content) {
  const auto path = testing::temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("decoded size equals input size for odd sizes") {
  auto tok = Tokenizer::open(saved_tiny_model("sizes.bsqm"), {1, false});
  REQUIRE(tok.ok());
  for (const auto& size : {std::pair{1, 1}, {7, 13}, {257, 131}, {16, 16}}) {
    // Named copies, not a structured binding: CAPTURE's lambda cannot capture one in C++17 (clang).
    const int w = size.first, h = size.second;
    CAPTURE(w);
    CAPTURE(h);
    auto grid = tok->encode(noise_image(w, h, 1));
    REQUIRE(grid.ok());
    const int wp = tok->config().window_pixels();
    CHECK(grid->cols == (w + wp - 1) / wp * tok->config().window);
    CHECK(grid->rows == (h + wp - 1) / wp * tok->config().window);
    CHECK(grid->codes.size() == static_cast<size_t>(grid->rows * grid->cols));
    auto back = tok->decode(grid.value());
    REQUIRE(back.ok());
    CHECK(back->width == w);
    CHECK(back->height == h);
    CHECK(back->rgb.size() == static_cast<size_t>(w * h * 3));
  }
}

TEST_CASE("bad images and grids are refused with a status") {
  auto tok = Tokenizer::open(saved_tiny_model("bad.bsqm"), {1, false});
  REQUIRE(tok.ok());
  CHECK(tok->encode(Image()).status().code() == StatusCode::kInvalidArgument);
  auto grid = tok->encode(noise_image(20, 20, 2)).value();
  grid.codes.pop_back();
  CHECK(tok->decode(grid).status().code() == StatusCode::kInvalidArgument);
  grid = tok->encode(noise_image(20, 20, 2)).value();
  grid.width = 100;  // grid too small for this size
  CHECK(tok->decode(grid).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("model save/load gives identical outputs and a stable fingerprint") {
  torch::manual_seed(8);
  model::TokenizerModel net(testing::tiny_config());
  net->eval();
  const auto path = testing::temp_path("roundtrip.bsqm");
  REQUIRE(model::save_model(net, path, model::WeightPrecision::kFloat32).ok());
  auto loaded = model::load_model(path);
  REQUIRE(loaded.ok());
  loaded->net->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::rand({1, 1, 3, 32, 48}) * 2 - 1;
  const auto a = net->encode(x), b = loaded->net->encode(x);
  CHECK(torch::equal(a.u, b.u));
  CHECK(torch::equal(net->decode(a.codes), loaded->net->decode(b.codes)));

  // Saving the loaded model again gives the same bytes, hence the same fingerprint.
  const auto again = testing::temp_path("roundtrip2.bsqm");
  REQUIRE(model::save_model(loaded->net, again, model::WeightPrecision::kFloat32).ok());
  auto reloaded = model::load_model(again);
  REQUIRE(reloaded.ok());
  CHECK(reloaded->fingerprint == loaded->fingerprint);

  // Half precision is a smaller file that still loads.
  const auto half = testing::temp_path("half.bsqm");
  REQUIRE(model::save_model(net, half, model::WeightPrecision::kFloat16).ok());
  CHECK(model::load_model(half).ok());
}

TEST_CASE("damaged or foreign model files are refused") {
  const std::string bytes = file_bytes(saved_tiny_model("damaged.bsqm"));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  CHECK(model::load_model(scratch_file("flip.bsqm", flipped)).status().message().find("fingerprint mismatch") !=
        std::string::npos);
  CHECK(model::load_model(scratch_file("trunc.bsqm", bytes.substr(0, bytes.size() / 3))).status().code() ==
        StatusCode::kInvalidData);
  CHECK(model::load_model(scratch_file("empty.bsqm", "")).status().message().find("not a bsq model file") !=
        std::string::npos);
  CHECK(model::load_model(testing::temp_path("missing.bsqm")).status().code() == StatusCode::kIoError);
  CHECK(Tokenizer::open(testing::temp_path("missing.bsqm")).status().code() == StatusCode::kIoError);
}

TEST_CASE("read_model_info: a model file's config and fingerprint, read without its weights") {
  const auto path = saved_tiny_model("info.bsqm");
  const auto info = read_model_info(path);
  REQUIRE(info.ok());
  const auto tokenizer = Tokenizer::open(path);
  REQUIRE(tokenizer.ok());
  CHECK(info->fingerprint == tokenizer->fingerprint());
  CHECK(info->config.to_text() == tokenizer->config().to_text());

  const std::string bytes = file_bytes(path);
  // Damage in the weights is not its business (open() finds it), but anything it reads must hold.
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  CHECK(read_model_info(scratch_file("info_flip.bsqm", flipped))->fingerprint == info->fingerprint);
  CHECK(Tokenizer::open(scratch_file("info_flip.bsqm", flipped)).status().code() == StatusCode::kInvalidData);
  for (const size_t keep : {size_t{0}, size_t{10}, size_t{20}}) {
    CAPTURE(keep);
    CHECK(read_model_info(scratch_file("info_short.bsqm", bytes.substr(0, keep))).status().code() ==
          StatusCode::kInvalidData);
  }
  std::string other_magic = bytes;
  other_magic[0] = 'X';
  CHECK(read_model_info(scratch_file("info_magic.bsqm", other_magic)).status().message().find("not a bsq model") !=
        std::string::npos);
  std::string other_version = bytes;
  other_version[8] = 9;
  CHECK(read_model_info(scratch_file("info_version.bsqm", other_version)).status().message().find("version 9") !=
        std::string::npos);
  CHECK(read_model_info(testing::temp_path("missing.bsqm")).status().code() == StatusCode::kIoError);
}

TEST_CASE("threads: a negative count leaves LibTorch's process-wide setting to the host") {
  const auto path = saved_tiny_model("threads.bsqm");
  // A count that opening with 0 (hardware threads) would not produce, so a change shows.
  const int host = std::thread::hardware_concurrency() == 3 ? 2 : 3;
  torch::set_num_threads(host);
  RuntimeOptions leave_alone;
  leave_alone.threads = -1;
  REQUIRE(Tokenizer::open(path, leave_alone).ok());
  CHECK(torch::get_num_threads() == host);
  RuntimeOptions tool;  // a tool owns its process and sets the count
  tool.threads = 1;
  REQUIRE(Tokenizer::open(path, tool).ok());
  CHECK(torch::get_num_threads() == 1);
}

TEST_CASE("frames: a frame's tokens do not depend on later frames") {
  torch::manual_seed(9);
  model::TokenizerModel net(testing::tiny_config());
  net->eval();
  torch::NoGradGuard no_grad;
  // Fresh blocks start as the identity (zero residual branches); give them random weights so
  // attention really mixes frames.
  for (auto& p : net->parameters()) p.normal_(0, 0.3);
  auto clip = torch::rand({1, 3, 3, 16, 16}) * 2 - 1;
  const auto before = net->encode(clip).u;
  auto changed = clip.clone();
  changed.select(1, 2).uniform_(-1, 1);  // replace the last frame
  const auto after = net->encode(changed).u;
  CHECK(torch::allclose(before.select(1, 0), after.select(1, 0), 1e-5, 1e-6));
  CHECK(torch::allclose(before.select(1, 1), after.select(1, 1), 1e-5, 1e-6));
  CHECK_FALSE(torch::allclose(before.select(1, 2), after.select(1, 2), 1e-5, 1e-6));
  // And earlier frames do reach later ones.
  changed = clip.clone();
  changed.select(1, 0).uniform_(-1, 1);
  CHECK_FALSE(torch::allclose(before.select(1, 2), net->encode(changed).u.select(1, 2), 1e-5, 1e-6));
  // The decoder keeps the clip shape.
  CHECK(net->decode(before).sizes() == clip.sizes());
}

TEST_CASE("bits per window: the candidate counts run from the lowest to all bits, half an octave apart") {
  ModelConfig c;
  c.bits = 32;
  c.min_bits = 8;
  CHECK(window_bits_candidates(c) == std::vector<int>{8, 11, 16, 23, 32});
  c.min_bits = 2;
  c.bits = 8;
  CHECK(window_bits_candidates(c) == std::vector<int>{2, 3, 4, 6, 8});
  c.min_bits = 0;  // one rate
  CHECK(window_bits_candidates(c) == std::vector<int>{8});
}

TEST_CASE("bits per window: the counts never cost more, as coded, than the nominal count everywhere") {
  const std::string path = testing::tiny_model_file("window_budget.bsqm", 11, 2, 8);
  REQUIRE(!path.empty());
  auto loaded = model::load_model(path);
  REQUIRE(loaded.ok());
  model::TokenizerModel net = loaded->net;
  const ModelConfig& c = net->config();
  torch::InferenceMode inference;
  bool mixed = false;
  for (const unsigned seed : {3u, 4u}) {
    const Image image = testing::random_walk_image(64, 48, seed);
    const auto plane = model::token_plane_size(c, image.width, image.height);
    const std::vector<uint64_t> full = model::encode_in_stripes(net, image, c.bits, torch::kCPU);
    for (const int nominal : {3, 5, 6}) {
      CAPTURE(seed);
      CAPTURE(nominal);
      const std::vector<uint8_t> chosen =
          choose_window_bits(net, image, full, plane.rows, plane.cols, nominal, torch::kCPU);
      REQUIRE(chosen.size() ==
              entropy::window_count(static_cast<int>(plane.rows), static_cast<int>(plane.cols), c.window));
      const auto [low, high] = std::minmax_element(chosen.begin(), chosen.end());
      const std::vector<int> candidates = window_bits_candidates(c);
      for (const uint8_t k : chosen)
        CHECK((k == nominal || std::find(candidates.begin(), candidates.end(), k) != candidates.end()));
      entropy::TokenPlane uniform{1, static_cast<int>(plane.rows), static_cast<int>(plane.cols), nominal, full};
      keep_leading_bits(uniform.codes, nominal);
      if (*low == *high && *low == nominal) continue;  // the fallback: a plain grid of the nominal count
      mixed = mixed || *low < *high;
      const std::vector<uint8_t> kept = token_bits_of_windows(plane.rows, plane.cols, c.window, chosen);
      entropy::TokenPlane windows{
          1, static_cast<int>(plane.rows), static_cast<int>(plane.cols), *high, full, c.window, chosen};
      keep_leading_bits(windows.codes, *high, kept);
      CHECK(entropy::ideal_code_length_bits(windows) <= entropy::ideal_code_length_bits(uniform));
    }
  }
  CHECK(mixed);  // these pictures mix counts at some rate
}

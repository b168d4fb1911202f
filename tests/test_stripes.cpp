// Stripe-by-stripe inference: the halo arithmetic, and stripes equal to a whole-image pass
// (wrap-around of the shifted windows at the top and bottom edges included).
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "model/image_tensor.h"
#include "model/stripe_runner.h"
#include "model/tokenizer_model.h"
#include "model/transformer.h"
#include "tiny_model.h"

using namespace bsq;

namespace {

// The tiny model with every weight random: fresh blocks are the identity (zero-initialised
// branches), which would hide a wrong halo.
model::TokenizerModel random_tiny_model(int encoder_depth, int decoder_depth) {
  torch::manual_seed(3);
  ModelConfig c = testing::tiny_config();
  c.encoder_depth = encoder_depth;
  c.decoder_depth = decoder_depth;
  model::TokenizerModel net(c);
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.normal_(0.0, 0.3);
  net->eval();
  return net;
}

Image smooth_image(int w, int h) { return testing::random_walk_image(w, h, 5); }

}  // namespace

TEST_CASE("Transformer::input_rows: windows and half-shifted windows, backwards through the blocks") {
  // Blocks plain, shifted, plain, shifted with 8-row windows: the rows of a window reach 4 rows
  // into each neighbour per shifted block, rounded out to whole windows by the plain ones.
  model::Transformer four(16, 4, 2, 8, 1, 2);
  CHECK(four->input_rows(16, 24) == std::pair<int64_t, int64_t>{0, 40});
  CHECK(four->input_rows(15, 25) == std::pair<int64_t, int64_t>{0, 40});
  CHECK(four->input_rows(11, 29) == std::pair<int64_t, int64_t>{-8, 48});
  model::Transformer one(16, 1, 2, 8, 1, 2);  // one plain block: each window alone
  CHECK(one->input_rows(16, 24) == std::pair<int64_t, int64_t>{16, 24});
  CHECK(one->input_rows(17, 18) == std::pair<int64_t, int64_t>{16, 24});
  model::Transformer two(16, 2, 2, 8, 1, 2);
  CHECK(two->input_rows(0, 8) == std::pair<int64_t, int64_t>{-8, 16});  // past the top: wraps
}

TEST_CASE("encode and decode in stripes give the whole-image tokens and pixels") {
  torch::InferenceMode inference;
  for (const auto& blocks : {std::pair{2, 2}, {1, 3}}) {
    // Named copies, not a structured binding: CAPTURE's lambda cannot capture one in C++17 (clang).
    const int enc = blocks.first, dec = blocks.second;
    CAPTURE(enc);
    CAPTURE(dec);
    auto net = random_tiny_model(enc, dec);
    // 200 pixel rows: 50 token rows of 10; 40 tokens a stripe: 4 rows each, 13 stripes.
    const Image image = smooth_image(37, 200);
    const int bits = net->config().bits;
    const auto whole = model::encode_in_stripes(net, image, bits, torch::kCPU, int64_t{1} << 20);
    const auto striped = model::encode_in_stripes(net, image, bits, torch::kCPU, 40);
    REQUIRE(whole.size() == 500);
    REQUIRE(striped.size() == whole.size());
    // Float sums may be ordered differently by the two passes: a token whose projection is
    // within rounding of 0 could flip a bit. None should on this image.
    CHECK(striped == whole);

    const Image a = model::decode_in_stripes(net, whole, bits, 37, 200, torch::kCPU, int64_t{1} << 20);
    const Image b = model::decode_in_stripes(net, whole, bits, 37, 200, torch::kCPU, 40);
    REQUIRE(a.rgb.size() == b.rgb.size());
    int worst = 0;
    for (size_t i = 0; i < a.rgb.size(); ++i) worst = std::max(worst, std::abs(a.rgb[i] - b.rgb[i]));
    CHECK(worst <= 1);  // rounding to 8 bits of values equal up to float rounding
    // And the whole pass is the model's own decode.
    const auto codes = model::unpack_codes(whole, bits, bits).view({1, 1, 50, 10, bits});
    const Image direct = model::tensor_to_image(net->decode(codes)[0][0], 37, 200);
    CHECK(direct.rgb == a.rgb);
  }
}

TEST_CASE("fewer bits than the model's and a one-stripe image") {
  torch::InferenceMode inference;
  auto net = random_tiny_model(2, 2);
  const Image image = smooth_image(20, 9);
  const auto codes = model::encode_in_stripes(net, image, 5, torch::kCPU, 8);
  for (uint64_t c : codes) CHECK(c < 32u);
  const Image back = model::decode_in_stripes(net, codes, 5, 20, 9, torch::kCPU, 8);
  CHECK(back.width == 20);
  CHECK(back.height == 9);
}

TEST_CASE("per-token bit counts: each token decodes from its own leading bits") {
  torch::InferenceMode inference;
  auto net = random_tiny_model(2, 2);
  const int bits = net->config().bits;
  // 24x40 pixels: 6x10 tokens; 3 token rows a stripe, so the counts must follow the wrapped halo.
  const Image image = smooth_image(40, 24);
  const auto codes = model::encode_in_stripes(net, image, bits, torch::kCPU, 30);
  REQUIRE(codes.size() == 60);
  const auto decode = [&](const std::vector<uint64_t>& c, int b, const std::vector<uint8_t>* kept) {
    return model::decode_in_stripes(net, c, b, 40, 24, torch::kCPU, 30, kept).rgb;
  };
  const auto prefix = [&](std::vector<uint64_t> c, const std::vector<uint8_t>& kept) {
    for (size_t t = 0; t < c.size(); ++t) c[t] &= (uint64_t{1} << kept[t]) - 1;
    return c;
  };

  // The same count everywhere is the grid of that many bits.
  const std::vector<uint8_t> three(codes.size(), 3);
  CHECK(decode(codes, bits, &three) == decode(prefix(codes, three), 3, nullptr));

  // Mixed counts: what lies past a token's count changes nothing; what lies within it does.
  std::vector<uint8_t> kept(codes.size());
  for (size_t t = 0; t < kept.size(); ++t) kept[t] = static_cast<uint8_t>(1 + (t * 5 + t / 10) % bits);
  const auto mixed = decode(codes, bits, &kept);
  auto flipped_past = codes, flipped_within = codes;
  for (size_t t = 0; t < codes.size(); ++t) {
    if (kept[t] < bits) flipped_past[t] ^= ~uint64_t{0} << kept[t] & ((uint64_t{1} << bits) - 1);
    flipped_within[t] ^= uint64_t{1} << (kept[t] - 1);
  }
  CHECK(decode(flipped_past, bits, &kept) == mixed);
  CHECK(decode(flipped_within, bits, &kept) != mixed);
  CHECK(mixed != decode(codes, bits, nullptr));  // fewer bits than the codes have, somewhere
}

TEST_CASE("inference runs each block a group of windows at a time, to the result of the training path") {
  auto net = random_tiny_model(2, 2);
  // One frame of 192 x 192 tokens: 9216 windows of 2 x 2 in groups of 1024 (4096 tokens); two
  // frames of 64 x 64: 2048 windows of 2 x 2 x 2 tokens in groups of 512, attention block-causal.
  for (const auto& shape : {std::vector<int64_t>{1, 1, 192, 192}, std::vector<int64_t>{1, 2, 64, 64}}) {
    CAPTURE(shape[1]);
    const auto grid = torch::randn({shape[0], shape[1], shape[2], shape[3], net->config().width});
    for (const auto& block : *net->decoder()->named_children()["blocks"]->as<torch::nn::ModuleList>()) {
      auto* b = block->as<model::TransformerBlock>();
      CAPTURE(b->shifted());
      const auto whole = b->forward(grid).detach();  // gradients on: the training path
      torch::Tensor grouped;
      {
        torch::InferenceMode inference;
        grouped = b->forward(grid);
      }
      CHECK(torch::allclose(whole, grouped, 1e-5, 1e-5));
    }
  }
}

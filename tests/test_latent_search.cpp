// The encoder's latent search (model/latent_search.h): what effort levels mean, that searched
// codes decode closer to the picture than the encoder's own, tiled or whole, and that bad
// efforts are refused where the public API takes them.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "bsq/codec.h"
#include "bsq/model_set.h"
#include "bsq/video.h"
#include "model/bsq_quantizer.h"
#include "model/latent_search.h"
#include "model/stripe_runner.h"
#include "tiny_model.h"
#include "tiny_model_file.h"

using namespace bsq;

namespace {

// Every weight random (fresh blocks would be the identity), as in test_stripes.cpp.
model::TokenizerModel random_tiny_model() {
  torch::manual_seed(11);
  model::TokenizerModel net(testing::tiny_config());
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.normal_(0.0, 0.3).set_requires_grad(false);
  net->eval();
  return net;
}

Image smooth_image(int w, int h) { return testing::random_walk_image(w, h, 7); }

// Squared error of the picture decoded from `codes`, over the image's own pixels.
double decoded_error(model::TokenizerModel& net, const std::vector<uint64_t>& codes, int bits, const Image& image) {
  torch::InferenceMode inference;
  const Image back = model::decode_in_stripes(net, codes, bits, image.width, image.height, torch::kCPU);
  double sse = 0;
  for (size_t i = 0; i < image.rgb.size(); ++i) sse += std::pow(double(image.rgb[i]) - back.rgb[i], 2);
  return sse;
}

struct Encoded {
  std::vector<uint64_t> codes;
  torch::Tensor latent;
};

Encoded encode(model::TokenizerModel& net, const Image& image, int bits) {
  Encoded e;
  e.latent = model::latent_tensor(net->config(), image.width, image.height);  // outside inference mode
  torch::InferenceMode inference;
  e.codes = model::encode_in_stripes(net, image, bits, torch::kCPU, model::kStripeTokens, nullptr, e.latent);
  return e;
}

}  // namespace

TEST_CASE("effort levels: none at the lowest, more and finer steps with each level") {
  CHECK(model::search_for_effort(kMinEffort).iterations == 0);
  for (int e = kMinEffort + 1; e <= kMaxEffort; ++e) {
    CAPTURE(e);
    const auto lower = model::search_for_effort(e - 1), here = model::search_for_effort(e);
    CHECK(here.iterations > lower.iterations);
    CHECK(here.step > 0);
    if (lower.iterations > 0) CHECK(here.step <= lower.step);
  }
  CHECK(kDefaultEffort >= kMinEffort);
  CHECK(kDefaultEffort <= kMaxEffort);
  CHECK(check_effort(kMinEffort).ok());
  CHECK(check_effort(kMaxEffort).ok());
  CHECK(check_effort(kMinEffort - 1).code() == StatusCode::kInvalidArgument);
  CHECK(check_effort(kMaxEffort + 1).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("effort levels: a budget of decoder work per pixel, the same whichever network") {
  // The reference is the network the levels were tuned on: fine32.bsqm's shape, counted.
  ModelConfig fine32;
  fine32.patch = 4, fine32.width = 160, fine32.heads = 4, fine32.encoder_depth = 2, fine32.decoder_depth = 4;
  fine32.bits = 32, fine32.window = 8, fine32.stem_channels = 64;
  CHECK(model::TokenizerModel(fine32)->decoder_macs_per_pixel() == model::kSearchReferenceMacsPerPixel);
  ModelConfig coarse = fine32;  // default.bsqm's shape: 8x8 patches, 2 decoder blocks
  coarse.patch = 8, coarse.decoder_depth = 2;
  const double cheap = model::TokenizerModel(coarse)->decoder_macs_per_pixel();
  CHECK(cheap * 5.4 < model::kSearchReferenceMacsPerPixel);
  CHECK(cheap * 5.6 > model::kSearchReferenceMacsPerPixel);
  // 5.5 times cheaper: effort 3's 2 steps buy 11, so level 6's 8 (the most that fit), with its step.
  const auto at3 = model::search_for_effort(3, cheap);
  CHECK(at3.iterations == model::search_for_effort(6).iterations);
  CHECK(at3.step == model::search_for_effort(6).step);
  CHECK(model::search_for_effort(kMinEffort, cheap).iterations == 0);  // no budget, no search
  for (int e = kMinEffort; e <= kMaxEffort; ++e) {
    CAPTURE(e);
    const auto reference = model::search_for_effort(e);
    CHECK(model::search_for_effort(e, model::kSearchReferenceMacsPerPixel).iterations == reference.iterations);
    // A costlier network keeps the level; a cheaper one never gets fewer steps, nor more than fit.
    CHECK(model::search_for_effort(e, 4 * model::kSearchReferenceMacsPerPixel).iterations == reference.iterations);
    const auto cheaper = model::search_for_effort(e, cheap);
    CHECK(cheaper.iterations >= reference.iterations);
    CHECK(cheaper.iterations <= std::max(reference.iterations * 5.5, double(reference.iterations)) + 1e-9);
    if (e > kMinEffort) CHECK(cheaper.iterations >= model::search_for_effort(e - 1, cheap).iterations);
  }
}

TEST_CASE("the latent holds the codes: its signs are the encoder's tokens") {
  auto net = random_tiny_model();
  const Image image = smooth_image(40, 24);
  const int bits = net->config().bits;
  const Encoded e = encode(net, image, bits);
  const auto plane = model::token_plane_size(net->config(), image.width, image.height);
  REQUIRE(e.latent.dim() == 3);
  CHECK(e.latent.size(0) == plane.rows);
  CHECK(e.latent.size(1) == plane.cols);
  CHECK(e.latent.size(2) == bits);
  CHECK(model::pack_codes(e.latent) == e.codes);
  // No search: the same tokens.
  torch::Tensor latent = e.latent.clone();
  CHECK(model::search_codes(net, image, latent, bits, {}, torch::kCPU) == e.codes);
}

TEST_CASE("searched codes decode closer to the picture, whole or tile by tile, at any kept bits") {
  auto net = random_tiny_model();
  // 24x16 tokens of 4 pixels; windows of 2 tokens, so a tile of 4 tokens has a halo of 2 blocks.
  const Image image = smooth_image(94, 61);
  for (const int bits : {8, 5}) {
    const Encoded e = encode(net, image, bits);
    const double plain = decoded_error(net, e.codes, bits, image);
    for (const int64_t tile : {int64_t{96}, int64_t{4}}) {
      CAPTURE(bits);
      CAPTURE(tile);
      model::SearchSettings s = model::search_for_effort(5);
      s.tile = tile;
      torch::Tensor latent = e.latent.clone();
      const auto searched = model::search_codes(net, image, latent, bits, s, torch::kCPU);
      CHECK(model::pack_codes(latent.narrow(-1, 0, bits)) == searched);  // the state left is the codes
      REQUIRE(searched.size() == e.codes.size());
      const uint64_t allowed = (uint64_t{1} << bits) - 1;
      CHECK(std::all_of(searched.begin(), searched.end(), [&](uint64_t c) { return (c & ~allowed) == 0; }));
      CHECK(searched != e.codes);
      const double better = decoded_error(net, searched, bits, image);
      MESSAGE("bits " << bits << ", tile " << tile << ": squared error " << plain << " -> " << better);
      // A random network reconstructs poorly whatever its codes (about 6 dB): the search gains
      // a few tenths of a percent of that error here, where it gains 1 to 3 dB on trained models
      // (bench/latent_search.md). Never more error, and strictly less.
      CHECK(better < 0.999 * plain);
    }
  }
}

TEST_CASE("the search runs the same from inside an inference or no-grad scope") {
  auto net = random_tiny_model();
  const Image image = smooth_image(40, 24);
  const int bits = net->config().bits;
  const Encoded e = encode(net, image, bits);
  const auto settings = model::search_for_effort(3);  // rd_eval.sh's level; the default, 1, does not search
  torch::Tensor free = e.latent.clone(), in_no_grad = e.latent.clone(), in_inference = e.latent.clone();
  const auto want = model::search_codes(net, image, free, bits, settings, torch::kCPU);
  CHECK(want != e.codes);
  {
    torch::NoGradGuard no_grad;
    CHECK(model::search_codes(net, image, in_no_grad, bits, settings, torch::kCPU) == want);
  }
  {
    torch::InferenceMode inference;
    CHECK(model::search_codes(net, image, in_inference, bits, settings, torch::kCPU) == want);
  }
}

TEST_CASE("effort through the public API: searched tokens decode closer, the stream decodes, a bad effort is refused") {
  auto tok = Tokenizer::open(testing::tiny_model_file("search.bsqm", 1), {1, false});
  REQUIRE(tok.ok());
  const Image image = smooth_image(30, 22);
  const auto squared_error = [&](const TokenGrid& grid) {
    const Image back = tok->decode(grid).value();
    double sse = 0;
    for (size_t i = 0; i < image.rgb.size(); ++i) sse += std::pow(double(image.rgb[i]) - back.rgb[i], 2);
    return sse;
  };
  const TokenGrid plain = tok->encode(image, 0, kMinEffort).value();
  const TokenGrid searched = tok->encode(image, 0, kMaxEffort).value();
  CHECK(searched.codes != plain.codes);
  CHECK(squared_error(searched) < squared_error(plain));
  CHECK(tok->encode(image).value().codes == tok->encode(image, 0, kDefaultEffort).value().codes);  // the default
  for (const int effort : {kMinEffort, kDefaultEffort, 3, kMaxEffort}) {
    CAPTURE(effort);
    EncodeOptions options;
    options.effort = effort;
    auto bytes = encode_image(tok.value(), image, options);
    REQUIRE(bytes.ok());
    // What encode_image codes is the tokenizer's grid at that effort (and the filter it fits).
    const auto direct = encode_tokens(tok.value(), tok->encode(image, 0, effort).value(), image, 0.0);
    REQUIRE(direct.ok());
    CHECK(direct.value() == bytes.value());
    CHECK(decode_image(tok.value(), bytes->data(), bytes->size()).ok());
  }
  EncodeOptions bad;
  bad.effort = kMaxEffort + 1;
  CHECK(encode_image(tok.value(), image, bad).status().code() == StatusCode::kInvalidArgument);
  CHECK(tok->encode(image, 0, 0).status().code() == StatusCode::kInvalidArgument);

  auto set = ModelSet::open({testing::tiny_model_file("search.bsqm", 1)}, {1, false});
  REQUIRE(set.ok());
  VideoEncodeOptions video;
  video.effort = 0;
  CHECK(VideoEncoder::start(set.value(), {30, 22}, video).status().code() == StatusCode::kInvalidArgument);
}

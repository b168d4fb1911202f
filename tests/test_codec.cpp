// Image codec: tokenizer + entropy coder + container, end to end with a tiny model.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <random>

#include "bsq/codec.h"
#include "model/model_file.h"
#include "model/tokenizer_model.h"
#include "tiny_model.h"

using namespace bsq;

namespace {

std::string tiny_model_file(const std::string& name, uint64_t seed) {
  torch::manual_seed(seed);
  model::TokenizerModel net(testing::tiny_config());
  for (auto& p : net->parameters()) p.data().normal_(0, 0.3);  // make tokens vary with the image
  const auto path = testing::temp_path(name);
  REQUIRE(model::save_model(net, path, model::WeightPrecision::kFloat32).ok());
  return path;
}

Image gradient_image(int w, int h) {
  Image img(w, h);
  std::mt19937 rng(3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.row(y)[3 * x + c] = static_cast<uint8_t>((x * 3 + y * (c + 1) + rng() % 8) & 255);
  return img;
}

}  // namespace

TEST_CASE("encode_image / decode_image give the tokenizer's reconstruction, for odd sizes") {
  auto tok = Tokenizer::open(tiny_model_file("codec.bsqm", 1), {1, false});
  REQUIRE(tok.ok());
  for (auto [w, h] : {std::pair{1, 1}, {7, 13}, {45, 17}}) {
    const Image image = gradient_image(w, h);
    auto bytes = encode_image(tok.value(), image);
    REQUIRE(bytes.ok());
    auto back = decode_image(tok.value(), bytes->data(), bytes->size());
    REQUIRE(back.ok());
    const auto direct = tok->decode(tok->encode(image).value()).value();
    CHECK(back->width == w);
    CHECK(back->height == h);
    CHECK(back->rgb == direct.rgb);
  }
}

TEST_CASE("the decoder refuses other models, damage and truncation with a status") {
  auto tok = Tokenizer::open(tiny_model_file("codec_a.bsqm", 1), {1, false});
  auto other = Tokenizer::open(tiny_model_file("codec_b.bsqm", 2), {1, false});
  REQUIRE(tok.ok());
  REQUIRE(other.ok());
  auto bytes = encode_image(tok.value(), gradient_image(30, 20)).value();
  CHECK(decode_image(other.value(), bytes.data(), bytes.size()).status().code() == StatusCode::kModelMismatch);
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(decode_image(tok.value(), bytes.data(), cut).ok());
  }
  auto flipped = bytes;
  flipped[flipped.size() - 20] ^= 0x04;
  const auto status = decode_image(tok.value(), flipped.data(), flipped.size()).status();
  CHECK(status.code() == StatusCode::kInvalidData);
  CHECK(status.message().find("CRC") != std::string::npos);
}

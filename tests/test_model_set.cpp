// ModelSet: a set of models used as one codec (quality -> model, stream -> model, lazy loading).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "bsq/codec.h"
#include "bsq/metrics.h"
#include "bsq/model_set.h"
#include "tiny_model.h"
#include "tiny_model_file.h"

using namespace bsq;

namespace {

// A tiny model of `bits` bits per token (nested from min_bits when it is not 0), saved to `name`.
std::string set_model(const std::string& name, uint64_t seed, int bits, int min_bits = 0) {
  const auto path = testing::tiny_model_file(name, seed, min_bits, bits);
  REQUIRE(!path.empty());
  return path;
}

Image noise_image(int w, int h) {
  Image img(w, h);
  std::mt19937 rng(5);
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng());
  return img;
}

// Stripes of flat colour, a row each: an image the tiny random models code less badly than noise.
Image striped_image(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.row(y)[3 * x + c] = static_cast<uint8_t>(100 + 20 * c + y % 7);
  return img;
}

// A copy of `path` whose weights are damaged: its header (and so the set) still reads.
std::string damaged_copy(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes[bytes.size() / 2] ^= 0x10;
  const auto out = testing::temp_path(name);
  std::ofstream(out, std::ios::binary) << bytes;
  return out;
}

RuntimeOptions one_thread() {
  RuntimeOptions r;
  r.threads = 1;
  r.use_gpu = false;
  return r;
}

}  // namespace

TEST_CASE("ModelSet: the quality picks model and bits, the stream picks its decoder") {
  const auto low = set_model("set_low.bsqm", 11, 4, 2);    // 2..4 bits per 4x4 patch
  const auto high = set_model("set_high.bsqm", 12, 8, 5);  // 5..8 bits
  auto set = ModelSet::open({low, high}, one_thread());
  REQUIRE(set.ok());
  REQUIRE(set->size() == 2);
  CHECK(set->path(1) == high);
  const Image image = noise_image(19, 11);
  for (const int quality : {1, 8, kResidualQuality - 1}) {
    CAPTURE(quality);
    const OperatingPoint point = operating_point(set->configs(), quality);
    CHECK(set->operating_point(quality).model == point.model);
    auto coded = set->encode(image, {quality});
    REQUIRE(coded.ok());
    CHECK(coded->model == point.model);
    // The quality's bits everywhere, or counts per window around them (the encoder's choice).
    CHECK(set->encode(image, {quality, 0, kDefaultEffort, false})->tokens.bits == point.bits);
    // The same stream as the model alone makes at those bits.
    auto alone = Tokenizer::open(set->path(point.model), one_thread());
    REQUIRE(alone.ok());
    auto expected = encode_image(alone.value(), image, {quality, point.bits});
    REQUIRE(expected.ok());
    CHECK(coded->stream == expected.value());
    auto decoded = set->decode(coded->stream.data(), coded->stream.size());
    REQUIRE(decoded.ok());
    CHECK(decoded->model == point.model);
    CHECK(decoded->image.rgb == decode_image(alone.value(), expected->data(), expected->size())->rgb);
    // And the grid renders to the pixels of its stream without the filter.
    EncodeOptions unfiltered{quality};
    unfiltered.filter = false;
    auto plain = set->encode(image, unfiltered);
    REQUIRE(plain.ok());
    CHECK(plain->tokens.codes == coded->tokens.codes);
    auto rendered = set->decode(coded->tokens, set->info(point.model).fingerprint);
    REQUIRE(rendered.ok());
    CHECK(rendered->image.rgb == set->decode(plain->stream.data(), plain->stream.size())->image.rgb);
  }
  CHECK(set->operating_point(1).model == 0);
  CHECK(set->operating_point(100).model == 1);
}

TEST_CASE("ModelSet: from kResidualQuality up, the tokens of token_quality() and a residual layer code an image") {
  const auto low = set_model("residual_low.bsqm", 11, 4, 2);
  const auto high = set_model("residual_high.bsqm", 12, 8, 5);
  auto set = ModelSet::open({low, high}, one_thread());
  REQUIRE(set.ok());
  const Image image = bsq::testing::random_walk_image(37, 21, 4);
  const OperatingPoint base = operating_point(set->configs(), kResidualBaseQuality);
  double last_db = 0;
  size_t last_bytes = 0;
  for (const int quality : {kResidualQuality, 70, 100}) {
    CAPTURE(quality);
    CHECK(token_quality(quality) == kResidualBaseQuality);
    auto coded = set->encode(image, {quality});
    REQUIRE(coded.ok());
    CHECK(coded->model == base.model);
    CHECK(coded->residual_step == residual_step(quality));
    CHECK(set->model_for_image(quality).value() == base.model);
    // The same stream as the model alone makes with that residual step.
    auto alone = Tokenizer::open(set->path(base.model), one_thread());
    REQUIRE(alone.ok());
    EncodeOptions options{quality, base.bits};
    options.residual_step = residual_step(quality);
    CHECK(encode_image(alone.value(), image, options).value() == coded->stream);
    auto decoded = set->decode(coded->stream.data(), coded->stream.size());
    REQUIRE(decoded.ok());
    CHECK(decoded->model == base.model);
    // Closer than the tokens alone, and closer and larger as the quality rises.
    const double tokens_db = psnr(image, set->decode(coded->tokens, set->info(base.model).fingerprint)->image).value();
    const double db = psnr(image, decoded->image).value();
    CHECK(db > tokens_db + 1.0);
    CHECK(db > last_db);
    CHECK(coded->stream.size() > last_bytes);
    last_db = db;
    last_bytes = coded->stream.size();
  }
  // Below it, the quality's own tokens and no residual.
  auto plain = set->encode(image, {kResidualQuality - 1});
  REQUIRE(plain.ok());
  CHECK(plain->residual_step == 0);
  CHECK(set->model_for_image(kResidualQuality - 1).value() == set->operating_point(kResidualQuality - 1).model);
}

TEST_CASE("ModelSet: in a gap between two models' rates, above effort 1 each picture takes the end worth its price") {
  const auto low = set_model("gap_low.bsqm", 21, 4);  // 4 bits per 4x4 patch only
  // 8 only: every quality in between is in the gap. Seed 26 makes it the better one on the stripes
  // (11.5 against 9.1 dB, at 1.78 against 1.77 bpp), so both ends code some qualities.
  const auto high = set_model("gap_high.bsqm", 26, 8);
  auto set = ModelSet::open({low, high}, one_thread());
  REQUIRE(set.ok());
  const auto configs = set->configs();
  const Image image = striped_image(24, 20);
  // What each end alone makes of the picture with its encoder network: PSNR and bpp as coded.
  struct End {
    double db = 0, bpp = 0;
  };
  const auto measure = [&](size_t m, int bits) {
    auto alone = Tokenizer::open(set->path(m), one_thread());
    REQUIRE(alone.ok());
    EncodeOptions options{0, bits, kMinEffort};
    options.filter = false;  // choose() measures the ends without it
    auto bytes = encode_image(alone.value(), image, options);
    REQUIRE(bytes.ok());
    auto back = decode_image(alone.value(), bytes->data(), bytes->size());
    REQUIRE(back.ok());
    return End{psnr(image, back.value()).value(), 8.0 * static_cast<double>(bytes->size()) / (24 * 20)};
  };
  const End ends[2] = {measure(0, 4), measure(1, 8)};
  CAPTURE(ends[0].db);
  CAPTURE(ends[1].db);
  CAPTURE(ends[0].bpp);
  CAPTURE(ends[1].bpp);
  bool upper_before = false;
  int coded_by[2] = {};
  for (int q = 2; q <= 99; ++q) {
    CAPTURE(q);
    const auto gap = rate_gap(configs, q);
    REQUIRE(gap.has_value());
    const bool upper = ends[1].db - gap->price * ends[1].bpp > ends[0].db - gap->price * ends[0].bpp;
    // Once a picture takes the upper end, every higher quality gives it the upper end too.
    if (upper_before) CHECK(upper);
    upper_before = upper;
    if (q % 8 != 2 && q != 99) continue;  // the networks run at every 8th quality and the last
    auto chosen = set->choose(image, q, 2);
    REQUIRE(chosen.ok());
    CHECK(chosen->model == (upper ? 1u : 0u));
    CHECK(chosen->bits == (upper ? 8 : 4));
    ++coded_by[chosen->model];
    // At effort 1 no choice: the nearer end, as for video.
    CHECK(set->choose(image, q, kMinEffort)->model == operating_point(configs, q).model);
    // From kResidualQuality up, a still image's tokens are token_quality()'s (the residual test below).
    if (q >= kResidualQuality) continue;
    auto coded = set->encode(image, {q, 0, 2});
    REQUIRE(coded.ok());
    CHECK(coded->model == chosen->model);
    CHECK(coded->tokens.bits == chosen->bits);
    auto decoded = set->decode(coded->stream.data(), coded->stream.size());
    REQUIRE(decoded.ok());
    CHECK(decoded->model == coded->model);
    CHECK(set->encode(image, {q, 0, kMinEffort})->model == operating_point(configs, q).model);
  }
  CHECK(coded_by[0] > 0);
  CHECK(coded_by[1] > 0);
}

TEST_CASE("ModelSet: only the model in use loads, so a damaged one fails only when needed") {
  const auto good = set_model("set_good.bsqm", 13, 4, 2);
  const auto bad = damaged_copy(set_model("set_fine.bsqm", 14, 8, 5), "set_bad.bsqm");
  auto set = ModelSet::open({good, bad}, one_thread());
  REQUIRE(set.ok());  // headers only
  const Image image = noise_image(8, 8);
  auto coded = set->encode(image, {1});
  REQUIRE(coded.ok());
  CHECK(coded->model == 0);
  CHECK(set->decode(coded->stream.data(), coded->stream.size()).ok());
  // Quality 100's tokens are the fine model's (a still image's at quality 100 are kResidualBaseQuality's).
  REQUIRE(set->operating_point(100).model == 1);
  auto failed = set->choose(image, 100, kMinEffort);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kInvalidData);
  CHECK(set->model_for_quality(100).status().code() == StatusCode::kInvalidData);
}

TEST_CASE("ModelSet: streams and grids of other models, misfit grids and bad files are refused by code") {
  const auto mine = set_model("set_mine.bsqm", 15, 8, 2);
  const auto theirs = set_model("set_theirs.bsqm", 16, 8, 2);
  auto set = ModelSet::open({mine}, one_thread());
  auto other = ModelSet::open({theirs}, one_thread());
  REQUIRE(set.ok());
  REQUIRE(other.ok());
  const Image image = noise_image(9, 7);
  auto coded = other->encode(image, {50});
  REQUIRE(coded.ok());

  auto foreign = set->decode(coded->stream.data(), coded->stream.size());
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().code() == StatusCode::kModelMismatch);
  CHECK(foreign.status().message().find("stream was made with model") == 0);
  CHECK(foreign.status().message().find(mine) != std::string::npos);
  auto tokens = set->decode(coded->tokens, other->info(0).fingerprint);
  REQUIRE_FALSE(tokens.ok());
  CHECK(tokens.status().message().find("tokens were made with model") == 0);
  CHECK(set->find(other->info(0).fingerprint).status().code() == StatusCode::kModelMismatch);

  // A grid of the right model that does not fit it: bad data, naming the model file.
  TokenGrid misfit = coded->tokens;
  misfit.patch = 8;
  auto wrong = other->decode(misfit, other->info(0).fingerprint);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == StatusCode::kInvalidData);
  CHECK(wrong.status().message().find("tokens of 8-pixel patches; the model has 4-pixel ones") != std::string::npos);
  CHECK(wrong.status().message().find(theirs) != std::string::npos);

  // Damaged streams fail as decode_image() says.
  std::vector<uint8_t> cut(coded->stream.begin(), coded->stream.begin() + coded->stream.size() / 2);
  CHECK(other->decode(cut.data(), cut.size()).status().code() == StatusCode::kInvalidData);

  CHECK(ModelSet::open({}).status().code() == StatusCode::kInvalidArgument);
  CHECK(ModelSet::open({mine, testing::temp_path("set_missing.bsqm")}).status().code() == StatusCode::kIoError);
  CHECK(ModelSet::open({testing::temp_path("")}).status().message().find("is a directory") != std::string::npos);
  CHECK(set->model(3).status().code() == StatusCode::kInvalidArgument);
}

// The restoration filter (libcodec/restoration_filter.h): what man/bsq.5 says it does to a
// picture, and that the encoder's design brings a degraded picture back towards its original.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "bsq/codec.h"
#include "bsq/metrics.h"
#include "container_reader.h"
#include "container_writer.h"
#include "restoration_filter.h"
#include "tiny_model.h"
#include "tiny_model_file.h"

using namespace bsq;
using bsq::codec_detail::apply_filter;
using bsq::codec_detail::design_filter;
using bsq::entropy::FilterParams;

namespace {

FilterParams all_off(int classes) {
  FilterParams f;
  for (int c = 1; c < classes; ++c) f.thresholds.push_back(static_cast<uint32_t>(100 * c));
  f.filters.resize(static_cast<size_t>(classes) + entropy::kFilterChromaPlanes);
  return f;
}

// What a decoder shows of `original`: blurred across three pixels, its colours washed out and a
// little darker.
Image degraded(const Image& original) {
  Image out = original;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        int sum = 0;
        for (int d = -1; d <= 1; ++d) sum += original.row(y)[3 * std::clamp(x + d, 0, out.width - 1) + ch];
        out.row(y)[3 * x + ch] = static_cast<uint8_t>(sum / 3);
      }
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      uint8_t* p = out.row(y) + 3 * x;
      const int mean = (p[0] + p[1] + p[2]) / 3;
      for (int ch = 0; ch < 3; ++ch) p[ch] = static_cast<uint8_t>(std::max(0, (mean + p[ch]) / 2 - 3));
    }
  return out;
}

}  // namespace

TEST_CASE("restoration filter: off changes nothing; a bias moves every channel as man/bsq.5 says") {
  const Image image = testing::random_walk_image(23, 9, 2);
  Image same = image;
  apply_filter(all_off(3), &same);
  CHECK(same.rgb == image.rgb);

  // A bias of 3 units of P0 = R + G + B (48 sixteenths) is +1 on each channel.
  FilterParams up = all_off(1);
  up.filters[0].on = true;
  up.filters[0].bias = 48;
  Image brighter = image;
  apply_filter(up, &brighter);
  for (size_t i = 0; i < image.rgb.size(); ++i) CHECK(brighter.rgb[i] == std::min(255, image.rgb[i] + 1));
  // Two units of P1 = R - G (32 sixteenths): red gets 3 * 2 / 6 = +1, green -1, blue nothing.
  FilterParams red = all_off(1);
  red.filters[1].on = true;
  red.filters[1].bias = 32;
  Image redder = image;
  apply_filter(red, &redder);
  for (size_t i = 0; i < image.rgb.size(); i += 3) {
    CHECK(redder.rgb[i] == std::min(255, image.rgb[i] + 1));
    CHECK(redder.rgb[i + 1] == std::max(0, image.rgb[i + 1] - 1));
    CHECK(redder.rgb[i + 2] == image.rgb[i + 2]);
  }
}

TEST_CASE("restoration filter: each class of the first plane takes its own filter, by its block's activity") {
  // Left half flat, right half a checkerboard: activity 0 and high, in 4x4 blocks.
  Image image(16, 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x)
      for (int ch = 0; ch < 3; ++ch)
        image.row(y)[3 * x + ch] = static_cast<uint8_t>(x < 8 ? 100 : ((x + y) % 2 ? 90 : 110));
  FilterParams f = all_off(2);
  f.thresholds = {1};
  f.filters[0].on = true;
  f.filters[0].bias = 48;  // class 0 (activity 0): +1
  f.filters[1].on = true;
  f.filters[1].bias = -96;  // class 1: -2
  Image out = image;
  apply_filter(f, &out);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) {
      CAPTURE(x);
      CAPTURE(y);
      // The flat block next to the checkerboard sees it in its edge pixels' activity; the blocks
      // from x = 8 on are the checkerboard's.
      const int expected = x < 4 ? 101 : x >= 8 ? image.row(y)[3 * x] - 2 : -1;
      if (expected >= 0) CHECK(out.row(y)[3 * x] == expected);
    }
}

TEST_CASE("restoration filter: the encoder's design undoes most of a blur and a colour cast, in few bytes") {
  const Image original = testing::random_walk_image(96, 64, 5);
  const Image decoded = degraded(original);
  const auto filter = design_filter(original, decoded, 1.0);
  REQUIRE(filter.has_value());
  Image restored = decoded;
  apply_filter(filter.value(), &restored);
  const double before = psnr(original, decoded).value(), after = psnr(original, restored).value();
  CHECK(after > before + 3.0);
  // Its parameters go through the coder unchanged, and decode to the same picture.
  const auto bytes = entropy::encode_filter(filter.value());
  CHECK(bytes.size() < 200);
  FilterParams back;
  REQUIRE(entropy::decode_filter(bytes.data(), bytes.size(), &back, nullptr));
  Image again = decoded;
  apply_filter(back, &again);
  CHECK(again.rgb == restored.rgb);

  // A colour cast alone: the first plane's filters are not worth their bits, the others' are.
  Image cast = original;
  for (size_t i = 0; i < cast.rgb.size(); i += 3) {
    cast.rgb[i] = static_cast<uint8_t>(std::min(255, cast.rgb[i] + 6));
    cast.rgb[i + 2] = static_cast<uint8_t>(std::max(0, cast.rgb[i + 2] - 6));
  }
  const auto chroma = design_filter(original, cast, 1000.0);
  REQUIRE(chroma.has_value());
  CHECK(chroma->filters.size() == chroma->thresholds.size() + 1 + entropy::kFilterChromaPlanes);
  CHECK(chroma->filters.back().on);
  Image uncast = cast;
  apply_filter(chroma.value(), &uncast);
  CHECK(psnr(original, uncast).value() > psnr(original, cast).value() + 10.0);

  // Nothing to correct, or bits too dear for what it would correct: no filter.
  CHECK_FALSE(design_filter(original, original, 1.0).has_value());
  CHECK_FALSE(design_filter(original, decoded, 1e9).has_value());
  // Tiny pictures work too.
  for (auto [w, h] : {std::pair{1, 1}, {2, 7}, {5, 3}}) {
    const Image o = testing::random_walk_image(w, h, 9);
    const Image d = degraded(o);
    Image r = d;
    if (const auto tiny = design_filter(o, d, 0.01)) apply_filter(tiny.value(), &r);
    CHECK(psnr(o, r).value() >= psnr(o, d).value());
  }
}

TEST_CASE(
    "restoration filter: in the stream by default, a 1.5 FILT chunk the decoder applies; refused where it cannot be") {
  auto tok = Tokenizer::open(testing::tiny_model_file("filter.bsqm", 7, 2), {1, false});
  REQUIRE(tok.ok());
  const Image image = testing::random_walk_image(45, 17, 3);
  const TokenGrid grid = tok->encode(image, 8, kMinEffort).value();
  for (const double step : {0.0, 8.0}) {
    CAPTURE(step);
    const auto without = encode_tokens(tok.value(), grid, image, step, false).value();
    const auto with = encode_tokens(tok.value(), grid, image, step).value();
    auto plain = bitstream::read_container(without.data(), without.size(), tok->fingerprint()).value();
    auto filtered = bitstream::read_container(with.data(), with.size(), tok->fingerprint()).value();
    CHECK(plain.filter.empty());
    // A random tiny model's picture is far off: a filter always pays.
    REQUIRE(!filtered.filter.empty());
    CHECK((with[bitstream::kOffsetVersionMinor] | with[bitstream::kOffsetVersionMinor + 1] << 8) ==
          bitstream::kVersionMinorFilter);
    CHECK(filtered.residual == plain.residual);
    const Image a = decode_image(tok.value(), without.data(), without.size()).value();
    const Image b = decode_image(tok.value(), with.data(), with.size()).value();
    CHECK(psnr(image, b).value() > psnr(image, a).value());
    // The picture is the unfiltered one through the chunk's filter.
    FilterParams params;
    REQUIRE(entropy::decode_filter(filtered.filter.data(), filtered.filter.size(), &params, nullptr));
    Image expected = a;
    apply_filter(params, &expected);
    CHECK(expected.rgb == b.rgb);

    // Parameters that do not decode (a valid chunk around them): the chunk is named.
    filtered.filter.push_back(0xff);
    const auto bad = bitstream::write_container(filtered).value();
    const Status damaged = decode_image(tok.value(), bad.data(), bad.size()).status();
    CHECK(damaged.code() == StatusCode::kInvalidData);
    CHECK(damaged.message().rfind("filter chunk at byte ", 0) == 0);
    CHECK(damaged.message().find(": restoration filter: ") != std::string::npos);
  }
  CHECK(encode_tokens(tok.value(), grid, testing::random_walk_image(44, 17, 3), 0.0).status().message() ==
        "encode: a residual layer or a restoration filter needs one frame of the grid's size");
}

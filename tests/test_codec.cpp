// Image codec: tokenizer + entropy coder + container, end to end with a tiny model.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

#include "bsq/codec.h"
#include "bsq/metrics.h"
#include "bsq/stream_info.h"
#include "bsq/video.h"
#include "container_reader.h"
#include "container_writer.h"
#include "tiny_model.h"
#include "tiny_model_file.h"
#include "token_coder.h"

using namespace bsq;
using bsq::testing::tiny_model_file;

namespace {

Image gradient_image(int w, int h) {
  Image img(w, h);
  std::mt19937 rng(3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.row(y)[3 * x + c] = static_cast<uint8_t>((x * 3 + y * (c + 1) + rng() % 8) & 255);
  return img;
}

// A grid that misses the model: refused by fits(), decode() and encode_tokens() alike, with a
// message that names what misses.
void check_misfit(const Tokenizer& tok, const TokenGrid& g, const std::string& message) {
  CAPTURE(message);
  const Status fit = tok.fits(g);
  CHECK(fit.code() == StatusCode::kInvalidArgument);
  CHECK(fit.message().find(message) != std::string::npos);
  CHECK(tok.decode(g).status().message() == fit.message());
  CHECK(encode_tokens(tok, g).status().message() == fit.message());
}

}  // namespace

TEST_CASE("encode_image / decode_image give the tokenizer's reconstruction, for odd sizes") {
  auto tok = Tokenizer::open(tiny_model_file("codec.bsqm", 1), {1, false});
  REQUIRE(tok.ok());
  EncodeOptions tokens_alone;
  tokens_alone.filter = false;  // test_restoration_filter.cpp has the filter's
  for (auto [w, h] : {std::pair{1, 1}, {7, 13}, {45, 17}}) {
    const Image image = gradient_image(w, h);
    auto bytes = encode_image(tok.value(), image, tokens_alone);
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

TEST_CASE("quality -> bits: geometric from lowest_bits to bits, one rate for a fixed model") {
  ModelConfig c;
  c.bits = 64;
  c.min_bits = 8;
  CHECK(bits_for_quality(c, 0) == 8);
  CHECK(bits_for_quality(c, 1) == 8);
  CHECK(bits_for_quality(c, 34) == 16);  // 8 * 8^(33/99) = 16
  CHECK(bits_for_quality(c, 67) == 32);  // 8 * 8^(66/99) = 32
  CHECK(bits_for_quality(c, 100) == 64);
  CHECK(bits_for_quality(c, 250) == 64);
  for (int q = 1; q < 100; ++q) CHECK(bits_for_quality(c, q) <= bits_for_quality(c, q + 1));
  ModelConfig fixed;
  for (int q : {0, 50, 100}) CHECK(bits_for_quality(fixed, q) == fixed.bits);
}

TEST_CASE("quality over a model set: geometric in raw rate, the nearest operating point of the set codes it") {
  ModelConfig coarse, fine;
  coarse.patch = 8, coarse.bits = 32, coarse.min_bits = 8;  // 0.125 to 0.5 bpp raw
  fine.patch = 4, fine.bits = 32, fine.min_bits = 8;        // 0.5 to 2 bpp raw
  const std::vector<ModelConfig> set = {coarse, fine};
  const auto raw = [&](int q) {
    const auto p = operating_point(set, q);
    return static_cast<double>(p.bits) / (set[p.model].patch * set[p.model].patch);
  };
  CHECK(operating_point(set, 0).model == 0);
  CHECK(operating_point(set, 0).bits == 8);
  // 0.125 * 16^(49/99) = 0.494 bpp: 31.6 bits of the coarse model.
  CHECK(operating_point(set, 50).model == 0);
  CHECK(operating_point(set, 50).bits == 32);
  // 0.125 * 16^(50/99) = 0.507 bpp: 8.1 bits of the fine model, whose 8 bits give the same raw rate
  // (0.5 bpp) as the coarse model's 32: the earlier model codes it, so the fine one never runs at 8.
  CHECK(operating_point(set, 51).model == 0);
  CHECK(operating_point(set, 51).bits == 32);
  // 0.125 * 16^(52/99) = 0.536 bpp: 8.6 bits, so 9 of the fine model (0.5625), nearer than 0.5.
  CHECK(operating_point(set, 53).model == 1);
  CHECK(operating_point(set, 53).bits == 9);
  CHECK(operating_point(set, 100).model == 1);
  CHECK(operating_point(set, 100).bits == 32);
  for (int q = 1; q < 100; ++q) CHECK(raw(q) <= raw(q + 1));
  // Where both ranges hold the rate, the earlier model codes it.
  CHECK(operating_point({fine, fine}, 70).model == 0);
  // A fixed-rate model at the top end of a nested one: it codes that rate, not the nested one.
  ModelConfig top = fine;
  top.min_bits = 0;  // 2 bpp only
  CHECK(operating_point({coarse, top, fine}, 100).model == 1);
  CHECK(operating_point({coarse, top, fine}, 99).model == 2);  // 0.125 * 16^(98/99) = 1.945: 31 bits
  CHECK(operating_point({coarse, top, fine}, 99).bits == 31);
  // A gap between the ranges: the model nearer in log rate, at its nearest bits.
  ModelConfig low = coarse, high = fine;
  low.bits = 16;       // 0.125 to 0.25 bpp
  high.min_bits = 16;  // 1 to 2 bpp
  // 0.125 * 16^(39/99) = 0.279 bpp: nearer 0.25 than 1.
  CHECK(operating_point({low, high}, 40).model == 0);
  CHECK(operating_point({low, high}, 40).bits == 16);
  // 0.125 * 16^(69/99) = 0.865 bpp: nearer 1.
  CHECK(operating_point({low, high}, 70).model == 1);
  CHECK(operating_point({low, high}, 70).bits == 16);
  CHECK(operating_point({}, 50).bits == 0);
}

TEST_CASE("rate gaps: where no model's range holds the quality's rate, the gap's ends and the price of the upper") {
  ModelConfig low, high, fine;
  low.patch = 8, low.bits = 16, low.min_bits = 8;      // 0.125 to 0.25 bpp raw
  high.patch = 4, high.bits = 16;                      // 1 bpp only
  fine.patch = 4, fine.bits = 32, fine.min_bits = 16;  // 1 to 2 bpp
  const std::vector<ModelConfig> set = {low, high, fine};
  // Within a range (r = 0.125 * 16^((q - 1) / 99)): no gap, so none at either end of the scale.
  for (int q : {0, 1, 20, 25, 76, 90, 100}) CHECK_FALSE(rate_gap(set, q).has_value());
  double last_price = std::numeric_limits<double>::infinity();
  int gaps = 0;
  for (int q = 1; q <= 100; ++q) {
    const auto gap = rate_gap(set, q);
    if (!gap) continue;
    CAPTURE(q);
    ++gaps;
    CHECK(gap->lower.model == 0);
    CHECK(gap->lower.bits == 16);
    CHECK(gap->upper.model == 1);
    CHECK(gap->upper.bits == 16);
    // operating_point() gives the nearer end in log rate: the lower one while r is below the
    // middle, where the price is above kHighRatePrice. Both models start at 1 bpp: the earlier one
    // is the upper end.
    CHECK(operating_point(set, q).model == (gap->price > kHighRatePrice ? 0u : 1u));
    // Falling across the gap, from above kHighRatePrice to below it.
    CHECK(gap->price > 0.0);
    CHECK(gap->price < last_price);
    last_price = gap->price;
  }
  // 0.25 to 1 bpp is 0.125 * 16^(24.75 / 99) to 0.125 * 16^(74.25 / 99): qualities 26 to 75.
  CHECK(gaps == 50);
  CHECK(rate_gap(set, 26)->price > 10 * kHighRatePrice);
  CHECK(rate_gap(set, 75)->price < kHighRatePrice / 10);
  // The middle of the gap in log rate (0.5 bpp, q 50.5) is priced kHighRatePrice.
  CHECK(rate_gap(set, 50)->price > kHighRatePrice);
  CHECK(rate_gap(set, 51)->price < kHighRatePrice);
  CHECK(rate_gap(set, 51)->price > 0.9 * kHighRatePrice);
  CHECK_FALSE(rate_gap({}, 50).has_value());
}

TEST_CASE("nested bits: each quality is its own rate, decodes to the tokenizer's output at that rate") {
  auto tok = Tokenizer::open(tiny_model_file("nested.bsqm", 3, 2), {1, false});  // 2..8 bits per token
  REQUIRE(tok.ok());
  const Image image = gradient_image(40, 24);
  size_t previous = 0;
  for (int quality : {1, 50, 100}) {
    CAPTURE(quality);
    const int bits = bits_for_quality(tok->config(), quality);
    // The encoder network alone: the search's few percent of rate, up or down, would blur what
    // this checks on a random model (test_latent_search.cpp covers the search).
    EncodeOptions options;
    options.quality = quality;
    options.effort = kMinEffort;
    options.filter = false;  // the tokenizer's picture, as it stands
    auto bytes = encode_image(tok.value(), image, options);
    REQUIRE(bytes.ok());
    CHECK(bytes->size() >= previous);  // more bits per token never code smaller here
    previous = bytes->size();
    auto back = decode_image(tok.value(), bytes->data(), bytes->size());
    REQUIRE(back.ok());
    auto grid = tok->encode(image, bits, kMinEffort);
    REQUIRE(grid.ok());
    CHECK(grid->bits == bits);
    CHECK(back->rgb == tok->decode(grid.value()).value().rgb);
  }
  // The first k bits of the encoder network's full grid are its k-bit grid.
  const auto full = tok->encode(image, 0, kMinEffort).value(), two = tok->encode(image, 2, kMinEffort).value();
  for (size_t i = 0; i < full.codes.size(); ++i) CHECK((full.codes[i] & 3) == two.codes[i]);
  CHECK(tok->encode(image, 1).status().code() == StatusCode::kInvalidArgument);  // below min_bits
  CHECK(tok->encode(image, 9).status().code() == StatusCode::kInvalidArgument);  // above bits

  // A fixed-rate model takes only its own rate.
  auto fixed = Tokenizer::open(tiny_model_file("fixed.bsqm", 3), {1, false});
  REQUIRE(fixed.ok());
  CHECK(fixed->encode(image, 4).status().code() == StatusCode::kInvalidArgument);
  auto low = tok->encode(image, 2).value();
  CHECK(fixed->decode(low).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a stream declaring more pixels than the limit is refused from its header, at once") {
  RuntimeOptions limited{1, false};
  limited.max_pixels = uint64_t{1} << 20;
  const auto path = tiny_model_file("limit.bsqm", 1);
  auto tok = Tokenizer::open(path, limited);
  REQUIRE(tok.ok());
  CHECK(tok->max_pixels() == uint64_t{1} << 20);
  // A few bytes that declare 16384 x 16384 (2^28 pixels, the container's most): the tiny model's
  // grid for it, and a payload of 4000 random bytes.
  bitstream::Container container;
  auto& h = container.header;
  h.model_fingerprint = tok->fingerprint();
  h.width = h.height = 16384;
  h.frames = 1;
  h.grid_cols = h.grid_rows = 16384 / tok->config().window_pixels() * tok->config().window;
  h.patch = static_cast<uint8_t>(tok->config().patch);
  h.bits = static_cast<uint8_t>(tok->config().bits);
  bitstream::FrameChunk chunk;
  chunk.frame_count = 1;
  std::mt19937 rng(9);
  for (int i = 0; i < 3900; ++i) chunk.coded.push_back(static_cast<uint8_t>(rng()));
  container.frames.push_back(chunk);
  const auto written = bitstream::write_container(container);
  REQUIRE(written.ok());
  const std::vector<uint8_t>& bytes = written.value();
  REQUIRE(bytes.size() < 4096);
  const auto start = std::chrono::steady_clock::now();
  const auto refused = decode_image(tok.value(), bytes.data(), bytes.size());
  CHECK(refused.status().code() == StatusCode::kUnsupported);
  CHECK(refused.status().message().find("over the limit") != std::string::npos);
  CHECK(decode_tokens(tok.value(), bytes.data(), bytes.size()).status().code() == StatusCode::kUnsupported);
  // Refused from the header: nothing as slow as decoding 2^24 tokens ran (that takes seconds).
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));

  // Pictures over the limit are refused by the encoder and the tokenizer's decode too.
  RuntimeOptions tiny_limit{1, false};
  tiny_limit.max_pixels = 100;
  auto small = Tokenizer::open(path, tiny_limit);
  REQUIRE(small.ok());
  CHECK(encode_image(small.value(), gradient_image(11, 10)).status().code() == StatusCode::kUnsupported);
  CHECK(encode_image(small.value(), gradient_image(10, 10)).ok());
  auto grid = tok->encode(gradient_image(11, 10));
  REQUIRE(grid.ok());
  CHECK(small->decode(grid.value()).status().code() == StatusCode::kUnsupported);
  // 0 and values past the container's limit mean the container's limit.
  RuntimeOptions unlimited{1, false};
  unlimited.max_pixels = 0;
  CHECK(Tokenizer::open(path, unlimited)->max_pixels() == kMaxPixels);
}

TEST_CASE("encode_tokens / decode_tokens: a grid out to a stream and back, and fits() says what does not fit") {
  auto tok = Tokenizer::open(tiny_model_file("tokens.bsqm", 4, 2), {1, false});
  REQUIRE(tok.ok());
  const Image image = gradient_image(45, 17);
  const TokenGrid grid = tok->encode(image, 5).value();
  CHECK(tok->fits(grid).ok());
  auto stream = encode_tokens(tok.value(), grid);
  REQUIRE(stream.ok());
  EncodeOptions tokens_alone{0, 5, kDefaultEffort, false};
  tokens_alone.filter = false;
  CHECK(stream.value() == encode_image(tok.value(), image, tokens_alone).value());
  auto back = decode_tokens(tok.value(), stream->data(), stream->size());
  REQUIRE(back.ok());
  CHECK(back->codes == grid.codes);
  CHECK(back->rows == grid.rows);
  CHECK(back->cols == grid.cols);
  CHECK(back->width == 45);
  CHECK(back->bits == 5);

  // Each way a grid can miss the model: refused by fits(), decode() and encode_tokens() alike.
  const auto refused = [&](const TokenGrid& g, const std::string& message) { check_misfit(tok.value(), g, message); };
  TokenGrid g = grid;
  g.bits = 9;
  refused(g, "9 bits per token; the model takes 2 to 8");
  g = grid;
  g.bits = 1;
  refused(g, "1 bits per token");
  g = grid;
  g.frames = 2;
  refused(g, "2 frames");
  g = grid;
  g.width = 64;  // 16x16 windows of 2 tokens: 17 rows pad to 6 tokens, 64 columns need 16, not 12
  refused(g, "6x12 tokens, but a 64x17 image has 6x16 with this model (4-pixel patches, windows of 2 tokens)");
  g = grid;
  g.codes.pop_back();
  refused(g, "codes for 6x12 tokens");
  g = grid;
  g.codes[7] |= uint64_t{1} << 5;
  refused(g, "of token 7 has more than 5 bits");
}

TEST_CASE("inspect_stream: header fields, and chunks that account for every byte") {
  auto tok = Tokenizer::open(tiny_model_file("inspect.bsqm", 6, 2), {1, false});
  REQUIRE(tok.ok());
  EncodeOptions tokens_alone{50, 0, kDefaultEffort, false};
  tokens_alone.filter = false;  // test_restoration_filter.cpp counts the FILT chunk
  auto bytes = encode_image(tok.value(), gradient_image(45, 17), tokens_alone);
  REQUIRE(bytes.ok());
  auto info = inspect_stream(bytes->data(), bytes->size());
  REQUIRE(info.ok());
  CHECK(info->bytes == bytes->size());
  CHECK(info->width == 45);
  CHECK(info->height == 17);
  CHECK(info->frames == 1);
  CHECK(info->model_fingerprint == tok->fingerprint());
  CHECK(info->patch == tok->config().patch);
  CHECK(info->bits == decode_tokens(tok.value(), bytes->data(), bytes->size())->bits);
  REQUIRE(info->chunks.size() == 2);
  CHECK(info->chunks[0].type == "FRAM");
  // Before it, the PRIO chunk alone: head, a u32 revision, CRC.
  CHECK(info->other_chunk_bytes == bitstream::kChunkHeadSize + bitstream::kPriorPayloadSize + bitstream::kChunkCrcSize);
  CHECK(info->chunks[0].offset == info->header_bytes + info->other_chunk_bytes);
  CHECK(info->chunks[1].type == "BEND");
  CHECK(info->chunks[1].offset + info->chunks[1].bytes == bytes->size());
  CHECK(info->header_bytes + info->chunks[0].bytes + info->other_chunk_bytes + info->chunks[1].bytes == bytes->size());
  std::vector<uint8_t> cut(bytes->begin(), bytes->end() - 3);
  CHECK(inspect_stream(cut.data(), cut.size()).status().code() == StatusCode::kInvalidData);
}

TEST_CASE("prior revisions: a stream names its own, older ones still decode, unknown ones are refused") {
  auto tok = Tokenizer::open(tiny_model_file("revisions.bsqm", 6, 2), {1, false});
  REQUIRE(tok.ok());
  const Image image = bsq::testing::random_walk_image(45, 17, 4);
  const TokenGrid grid = tok->encode(image, 6, kMinEffort).value();
  const auto latest = encode_tokens(tok.value(), grid);
  REQUIRE(latest.ok());
  const auto written = bitstream::read_container(latest->data(), latest->size(), tok->fingerprint()).value();
  CHECK(written.prior == static_cast<uint32_t>(entropy::kLatestPriorRevision));
  CHECK(inspect_stream(latest->data(), latest->size())->prior == written.prior);
  const Image decoded = decode_image(tok.value(), latest->data(), latest->size()).value();

  // The same tokens coded under each revision, as a writer of that revision made them.
  const auto stream_of = [&](uint32_t revision, int coded_with) {
    bitstream::Container c = written;
    c.prior = revision;
    entropy::TokenPlane plane{1, grid.rows, grid.cols, grid.bits, grid.codes};
    plane.prior = coded_with;
    c.frames[0].coded = entropy::encode_tokens(plane);
    return bitstream::write_container(c).value();
  };
  for (int revision = entropy::kFirstPriorRevision; revision <= entropy::kLatestPriorRevision; ++revision) {
    CAPTURE(revision);
    const auto bytes = stream_of(static_cast<uint32_t>(revision), revision);
    auto back = decode_tokens(tok.value(), bytes.data(), bytes.size());
    REQUIRE_MESSAGE(back.ok(), back.status().message());
    CHECK(back->codes == grid.codes);
    CHECK(decode_image(tok.value(), bytes.data(), bytes.size())->rgb == decoded.rgb);
  }
  // Revision 1 is the one without the chunk: such a stream keeps its pre-1.3 version.
  const auto old = stream_of(bitstream::kPriorWithoutChunk, 1);
  CHECK((old[bitstream::kOffsetVersionMinor] | old[bitstream::kOffsetVersionMinor + 1] << 8) == 0);
  // Bytes of one revision under another's name decode to other tokens, or fail.
  const auto misnamed = stream_of(2, 1);
  const auto wrong = decode_tokens(tok.value(), misnamed.data(), misnamed.size());
  CHECK((!wrong.ok() || wrong->codes != grid.codes));

  // A revision this decoder does not have: refused by the image and the video decoder alike.
  const auto future = stream_of(entropy::kLatestPriorRevision + 1, entropy::kLatestPriorRevision);
  const std::string message = "the stream is coded with prior revision " +
                              std::to_string(entropy::kLatestPriorRevision + 1) + "; this decoder has revisions 1 to " +
                              std::to_string(entropy::kLatestPriorRevision);
  const auto refused = decode_image(tok.value(), future.data(), future.size());
  CHECK(refused.status().code() == StatusCode::kUnsupported);
  CHECK(refused.status().message() == message);
  const std::vector<std::string> paths{tiny_model_file("revisions.bsqm", 6, 2)};
  auto set = ModelSet::open(paths, {1, false});
  REQUIRE(set.ok());
  const auto video = VideoDecoder::open(set.value(), future.data(), future.size());
  CHECK(video.status().code() == StatusCode::kUnsupported);
  CHECK(video.status().message() == message);
}

namespace {

// The grid's codes cut to each token's window count.
void cut_to_windows(TokenGrid& g) {
  for (int r = 0; r < g.rows; ++r)
    for (int q = 0; q < g.cols; ++q) {
      const int across = (g.cols + g.window - 1) / g.window;
      const int k = g.window_bits[static_cast<size_t>((r / g.window) * across + q / g.window)];
      g.codes[static_cast<size_t>(r) * g.cols + q] &= (uint64_t{1} << k) - 1;
    }
}

}  // namespace

TEST_CASE(
    "bits per window: a grid of mixed counts goes out to a 1.3 stream and back, and decodes as the tokenizer does") {
  auto tok = Tokenizer::open(tiny_model_file("windows.bsqm", 5, 2), {1, false});  // 2..8 bits, windows of 2 tokens
  REQUIRE(tok.ok());
  const Image image = bsq::testing::random_walk_image(45, 17, 9);
  TokenGrid grid = tok->encode(image, 8, kMinEffort).value();
  grid.window = tok->config().window;
  const size_t windows = static_cast<size_t>((grid.rows + 1) / 2 * ((grid.cols + 1) / 2));
  for (size_t w = 0; w < windows; ++w) grid.window_bits.push_back(static_cast<uint8_t>(2 + (w * 5) % 7));  // 2..8
  cut_to_windows(grid);
  REQUIRE(tok->fits(grid).ok());

  auto stream = encode_tokens(tok.value(), grid);
  REQUIRE(stream.ok());
  const auto container = bitstream::read_container(stream->data(), stream->size(), tok->fingerprint()).value();
  CHECK(container.bits_window == 2);
  CHECK((stream.value()[bitstream::kOffsetVersionMinor] | stream.value()[bitstream::kOffsetVersionMinor + 1] << 8) ==
        bitstream::kVersionMinorPrior);
  auto back = decode_tokens(tok.value(), stream->data(), stream->size());
  REQUIRE(back.ok());
  CHECK(back->codes == grid.codes);
  CHECK(back->window == 2);
  CHECK(back->window_bits == grid.window_bits);
  CHECK(back->bits == 8);
  const Image decoded = decode_image(tok.value(), stream->data(), stream->size()).value();
  CHECK(decoded.rgb == tok->decode(grid).value().rgb);
  // Each token decodes from its own leading bits: not the 8-bit grid's picture, nor the 2-bit one's.
  CHECK(decoded.rgb != tok->decode(tok->encode(image, 8, kMinEffort).value()).value().rgb);
  CHECK(decoded.rgb != tok->decode(tok->encode(image, 2, kMinEffort).value()).value().rgb);

  // Every count the same: the grid of that count, bit for bit.
  TokenGrid same = tok->encode(image, 8, kMinEffort).value();
  same.window = 2;
  same.window_bits.assign(windows, 5);
  cut_to_windows(same);
  CHECK(tok->decode(same).value().rgb == tok->decode(tok->encode(image, 5, kMinEffort).value()).value().rgb);

  // The video decoder leaves such a stream to the still-image decoder, saying why.
  const std::vector<std::string> paths{tiny_model_file("windows_set.bsqm", 5, 2)};
  auto set = ModelSet::open(paths, {1, false});
  REQUIRE(set.ok());
  const auto video = VideoDecoder::open(set.value(), stream->data(), stream->size());
  CHECK(video.status().code() == StatusCode::kUnsupported);
  CHECK(video.status().message() == "the stream codes bits per window, which only still images have");
}

TEST_CASE("bits per window: fits() and the decoder refuse counts that do not fit the grid or the model") {
  auto tok = Tokenizer::open(tiny_model_file("windows_fit.bsqm", 5, 2), {1, false});
  REQUIRE(tok.ok());
  TokenGrid grid = tok->encode(bsq::testing::random_walk_image(45, 17, 2), 8, kMinEffort).value();
  grid.window = 2;
  grid.window_bits.assign(static_cast<size_t>(3 * 6), 6);  // 6x12 tokens: 3x6 windows of 2
  cut_to_windows(grid);
  REQUIRE(tok->fits(grid).ok());
  const auto refused = [&](const TokenGrid& g, const std::string& message) {
    check_misfit(tok.value(), g, "token grid: " + message);
    CHECK(tok->fits(g).message() == "token grid: " + message);  // the whole message, nothing more
  };
  TokenGrid g = grid;
  g.window_bits.pop_back();
  refused(g, "17 counts for the 3x6 windows of 2 tokens");
  g = grid;
  g.window = 3;
  refused(g, "18 counts for the 2x4 windows of 3 tokens");
  g = grid;
  g.window = 0;
  refused(g, "windows of 0 tokens; counts per window need 1..65536");
  g = grid;
  g.window_bits.clear();
  refused(g, "windows of 2 tokens but no counts for them");
  g = grid;
  g.window_bits[4] = 1;
  refused(g, "window 4 keeps 1 bits; the grid takes 2 to 8");
  g = grid;
  g.bits = 5;
  refused(g, "window 0 keeps 6 bits; the grid takes 2 to 5");
  g = grid;
  g.codes[13] |= uint64_t{1} << 6;
  refused(g, "code " + std::to_string(g.codes[13]) + " of token 13 has more than its window's 6 bits");

  // A stream whose counts the entropy coder takes (1..bits) but the model does not (below 2).
  entropy::TokenPlane plane{1, grid.rows, grid.cols, grid.bits, grid.codes, 2, grid.window_bits};
  for (auto& code : plane.codes) code &= 1;
  plane.window_bits[5] = 1;
  bitstream::Container c;
  c.header.model_fingerprint = tok->fingerprint();
  c.header.width = 45;
  c.header.height = 17;
  c.header.grid_cols = static_cast<uint32_t>(grid.cols);
  c.header.grid_rows = static_cast<uint32_t>(grid.rows);
  c.header.patch = 4;
  c.header.bits = 8;
  c.bits_window = 2;
  c.prior = static_cast<uint32_t>(plane.prior);
  c.frames.push_back({0, 1, entropy::encode_tokens(plane), 0});
  REQUIRE_FALSE(c.frames[0].coded.empty());
  const auto bytes = bitstream::write_container(c).value();
  const auto status = decode_image(tok.value(), bytes.data(), bytes.size()).status();
  CHECK(status.code() == StatusCode::kInvalidData);
  CHECK(status.message() == "frame chunk at byte 96: window 5 keeps 1 bits, below the model's 2");
}

TEST_CASE("bits per window: the encoder chooses counts in the model's range") {
  auto tok = Tokenizer::open(tiny_model_file("windows_rdo.bsqm", 7, 2), {1, false});
  REQUIRE(tok.ok());
  const Image image = bsq::testing::random_walk_image(64, 48, 3);
  bool mixed = false;
  for (const int bits : {2, 4, 6, 8}) {
    CAPTURE(bits);
    const TokenGrid grid = tok->encode(image, bits, kMinEffort + 1, true).value();
    REQUIRE(tok->fits(grid).ok());
    if (grid.window_bits.empty()) {
      CHECK(grid.window == 0);
      continue;
    }
    mixed = true;
    CHECK(grid.window == tok->config().window);
    const auto [low, high] = std::minmax_element(grid.window_bits.begin(), grid.window_bits.end());
    CHECK(*low >= tok->config().lowest_bits());
    CHECK(*high <= tok->config().bits);
    CHECK(*low < *high);  // one count everywhere is coded as a plain grid
    CHECK(grid.bits == *high);
    // Through a stream and back, as encode_image() writes it.
    EncodeOptions options;
    options.bits = bits;
    options.effort = kMinEffort + 1;
    const auto bytes = encode_image(tok.value(), image, options).value();
    const auto back = decode_tokens(tok.value(), bytes.data(), bytes.size()).value();
    CHECK(back.window_bits == grid.window_bits);
    CHECK(back.codes == grid.codes);
  }
  CHECK(mixed);  // on this picture at least one rate mixes counts
  // Effort kMinEffort, a fixed-rate model or per_window_bits off: one count everywhere.
  CHECK(tok->encode(image, 4, kMinEffort, true)->window_bits.empty());
  CHECK(tok->encode(image, 4, kMinEffort + 1, false)->window_bits.empty());
  auto fixed = Tokenizer::open(tiny_model_file("windows_fixed.bsqm", 7), {1, false});
  REQUIRE(fixed.ok());
  CHECK(fixed->encode(image, 8, kMinEffort + 1, true)->window_bits.empty());
}

TEST_CASE("residual layer: the quality's step falls geometrically from kResidualQuality to 100, none below") {
  for (int q = 0; q < kResidualQuality; ++q) {
    CHECK(residual_step(q) == 0.0);
    CHECK(token_quality(q) == q);
  }
  CHECK(residual_step(kResidualQuality) == doctest::Approx(kResidualCoarsestStep));
  CHECK(residual_step(100) == doctest::Approx(kResidualFinestStep));
  const double ratio = residual_step(kResidualQuality + 1) / residual_step(kResidualQuality);
  for (int q = kResidualQuality + 1; q <= 100; ++q) {
    CAPTURE(q);
    CHECK(residual_step(q) / residual_step(q - 1) == doctest::Approx(ratio));
    CHECK(token_quality(q) == kResidualBaseQuality);
  }
  CHECK(ratio < 1.0);
}

TEST_CASE("residual layer: a 1.4 stream whose picture is the tokens' plus the residual, refused where it cannot be") {
  auto tok = Tokenizer::open(tiny_model_file("residual.bsqm", 7, 2), {1, false});
  REQUIRE(tok.ok());
  const Image image = bsq::testing::random_walk_image(45, 17, 3);
  const TokenGrid grid = tok->encode(image, 8, kMinEffort).value();
  const auto plain = encode_tokens(tok.value(), grid).value();
  auto stream = encode_tokens(tok.value(), grid, image, 4.0, false);  // no filter: the layer's picture alone
  REQUIRE(stream.ok());
  CHECK((stream.value()[bitstream::kOffsetVersionMinor] | stream.value()[bitstream::kOffsetVersionMinor + 1] << 8) ==
        bitstream::kVersionMinorResidual);
  // The tokens are the grid's; the picture is much closer than theirs.
  CHECK(decode_tokens(tok.value(), stream->data(), stream->size())->codes == grid.codes);
  const Image tokens_only = decode_image(tok.value(), plain.data(), plain.size()).value();
  const Image both = decode_image(tok.value(), stream->data(), stream->size()).value();
  CHECK(psnr(image, both).value() > psnr(image, tokens_only).value() + 10.0);
  CHECK(psnr(image, both).value() > 40.0);  // a step of 4: a few levels of error per sample

  // inspect_stream accounts for the RESI chunk and names its step.
  auto info = inspect_stream(stream->data(), stream->size());
  REQUIRE(info.ok());
  REQUIRE(info->chunks.size() == 3);
  CHECK(info->chunks[1].type == "RESI");
  CHECK(info->residual_step == 4.0);
  uint64_t chunk_bytes = 0;
  for (const auto& c : info->chunks) chunk_bytes += c.bytes;
  CHECK(info->header_bytes + chunk_bytes + info->other_chunk_bytes == stream->size());

  // The video decoder does not drop the layer silently.
  const std::vector<std::string> paths{tiny_model_file("residual_set.bsqm", 7, 2)};
  auto set = ModelSet::open(paths, {1, false});
  REQUIRE(set.ok());
  auto video = VideoDecoder::open(set.value(), stream->data(), stream->size());
  REQUIRE(video.ok());
  Image frame;
  StatusOr<bool> next = video->next(&frame);  // the tokens' frame; the layer comes after it
  for (int call = 0; call < 3 && next.ok() && next.value(); ++call) next = video->next(&frame);
  CHECK(next.status().code() == StatusCode::kUnsupported);
  CHECK(next.status().message() ==
        "the stream's residual layer (RESI chunk) belongs to a still image: decode it as one");

  // Steps the container cannot hold, and a picture that is not the grid's.
  CHECK(encode_tokens(tok.value(), grid, image, -1.0).status().message() ==
        "encode: residual step -1 outside 0.00390625 to 4096");
  CHECK(encode_tokens(tok.value(), grid, image, 1.0 / 1024).status().code() == StatusCode::kInvalidArgument);
  CHECK(encode_tokens(tok.value(), grid, image, 5000.0).status().code() == StatusCode::kInvalidArgument);
  CHECK(encode_tokens(tok.value(), grid, bsq::testing::random_walk_image(44, 17, 3), 4.0).status().message() ==
        "encode: a residual layer or a restoration filter needs one frame of the grid's size");

  // Coded levels that do not decode (a valid chunk around them): the chunk is named.
  auto container = bitstream::read_container(stream->data(), stream->size(), tok->fingerprint()).value();
  container.residual.resize(container.residual.size() / 2);
  const auto cut = bitstream::write_container(container).value();
  const Status damaged = decode_image(tok.value(), cut.data(), cut.size()).status();
  CHECK(damaged.code() == StatusCode::kInvalidData);
  CHECK(damaged.message().rfind("residual chunk at byte ", 0) == 0);
  CHECK(damaged.message().find(": residual layer: truncated") != std::string::npos);
}

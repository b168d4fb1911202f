// Video coding through the library: GOPs, repeats, seeking, streaming from a file, bad streams.
#include <doctest/doctest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "bsq/model_set.h"
#include "bsq/video.h"
#include "tiny_model.h"
#include "tiny_model_file.h"

using namespace bsq;

namespace {

RuntimeOptions one_thread() {
  RuntimeOptions r;
  r.threads = 1;
  r.use_gpu = false;
  return r;
}

ModelSet tiny_set() {
  const auto path = testing::tiny_model_file("video_model.bsqm", 21, 4, 8);  // 4..8 bits per 4x4 patch
  REQUIRE(!path.empty());
  auto set = ModelSet::open({path}, one_thread());
  REQUIRE(set.ok());
  return std::move(set.value());
}

// Frame f of a clip: a noise background that stays put, and a bright square moving right.
Image clip_frame(int w, int h, int f) {
  Image img(w, h);
  std::mt19937 rng(3);
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng() % 64 + 96);
  for (int y = 2; y < std::min(h, 8); ++y)
    for (int x = 2 * f; x < std::min(w, 2 * f + 6); ++x)
      for (int c = 0; c < 3; ++c) img.row(y)[3 * x + c] = 250;
  return img;
}

struct Coded {
  std::vector<uint8_t> stream;
  std::vector<VideoFrameStats> stats;
};

Coded encode_clip(const ModelSet& set, int w, int h, int frames, int keyint, bool still = false) {
  VideoDescription clip{w, h, 30000, 1001};
  VideoEncodeOptions options;
  options.quality = 100;
  options.keyint = keyint;
  auto enc = VideoEncoder::start(set, clip, options);
  REQUIRE(enc.ok());
  Coded out;
  for (int f = 0; f < frames; ++f) {
    auto bytes = enc->push(clip_frame(w, h, still ? 0 : f));
    REQUIRE(bytes.ok());
    out.stream.insert(out.stream.end(), bytes->begin(), bytes->end());
    out.stats.push_back(enc->last_frame());
  }
  auto tail = enc->finish();
  REQUIRE(tail.ok());
  out.stream.insert(out.stream.end(), tail->begin(), tail->end());
  return out;
}

std::vector<Image> decode_all(VideoDecoder& dec) {
  std::vector<Image> frames;
  Image frame;
  while (true) {
    auto more = dec.next(&frame);
    REQUIRE(more.ok());
    if (!more.value()) break;
    frames.push_back(frame);
  }
  return frames;
}

// What decoding `stream` to its end reports first: open()'s refusal, or next()'s.
Status first_error(const ModelSet& set, const std::vector<uint8_t>& stream) {
  auto dec = VideoDecoder::open(set, stream.data(), stream.size());
  if (!dec.ok()) return dec.status();
  Image frame;
  for (int f = 0; f < 100; ++f) {
    auto more = dec->next(&frame);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
  }
  return Status::Ok();
}

}  // namespace

TEST_CASE("video: a clip round trips in GOPs, with its rate, and a static clip costs little after its key frame") {
  const ModelSet set = tiny_set();
  const Coded moving = encode_clip(set, 23, 13, 7, 3);
  auto dec = VideoDecoder::open(set, moving.stream.data(), moving.stream.size());
  REQUIRE(dec.ok());
  CHECK(dec->info().clip.width == 23);
  CHECK(dec->info().clip.height == 13);
  CHECK(dec->info().clip.fps_num == 30000);
  CHECK(dec->info().clip.fps_den == 1001);
  CHECK(dec->info().frames == 7);
  REQUIRE(dec->info().gops.size() == 3);  // frames 0-2, 3-5, 6
  CHECK(dec->info().gops[1].first_frame == 3);
  CHECK(dec->info().gops[2].frame_count == 1);
  const std::vector<Image> frames = decode_all(dec.value());
  REQUIRE(frames.size() == 7);
  for (const Image& f : frames) CHECK((f.width == 23 && f.height == 13));
  CHECK(moving.stats[0].key);
  CHECK_FALSE(moving.stats[1].key);
  CHECK(moving.stats[3].key);

  // The same picture again and again: every inter token repeats, and costs a fraction of a bit.
  const Coded still = encode_clip(set, 23, 13, 6, 6, true);
  for (size_t f = 1; f < still.stats.size(); ++f) {
    CHECK(still.stats[f].fresh_tokens == 0);
    CHECK(still.stats[f].bits * 2 <= still.stats[f].tokens);  // half a bit a token at most
    CHECK(still.stats[f].bits * 4 < still.stats[0].bits);
  }
  auto still_dec = VideoDecoder::open(set, still.stream.data(), still.stream.size());
  REQUIRE(still_dec.ok());
  const std::vector<Image> still_frames = decode_all(still_dec.value());
  REQUIRE(still_frames.size() == 6);
  for (const Image& f : still_frames) CHECK(f.rgb == still_frames[0].rgb);
}

TEST_CASE("video: with keyint 1 every frame is a still image") {
  const ModelSet set = tiny_set();
  const Coded coded = encode_clip(set, 17, 9, 3, 1);
  auto dec = VideoDecoder::open(set, coded.stream.data(), coded.stream.size());
  REQUIRE(dec.ok());
  const std::vector<Image> frames = decode_all(dec.value());
  REQUIRE(frames.size() == 3);
  for (int f = 0; f < 3; ++f) {
    // A clip's frames keep the quality's bits everywhere (counts per window are for stills), and
    // have no residual layer and no filter: a still image of the quality's tokens alone.
    const OperatingPoint point = set.operating_point(100);
    const Tokenizer& tokenizer = *set.model(point.model).value();
    EncodeOptions options{100, point.bits, kDefaultEffort, false};
    options.filter = false;
    auto still = encode_image(tokenizer, clip_frame(17, 9, f), options);
    REQUIRE(still.ok());
    auto back = decode_image(tokenizer, still->data(), still->size());
    REQUIRE(back.ok());
    CHECK(frames[f].rgb == back->rgb);
  }
}

TEST_CASE("video: seeking gives the frames of a full decode, from a file too") {
  const ModelSet set = tiny_set();
  const Coded coded = encode_clip(set, 20, 12, 9, 4);
  const std::string path = testing::temp_path("seek.bsq");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(coded.stream.data()), static_cast<std::streamsize>(coded.stream.size()));
  auto full = VideoDecoder::open(set, path);
  REQUIRE(full.ok());
  const std::vector<Image> all = decode_all(full.value());
  REQUIRE(all.size() == 9);
  for (const uint32_t start : {0u, 3u, 4u, 6u, 8u}) {
    CAPTURE(start);
    auto dec = VideoDecoder::open(set, path);
    REQUIRE(dec.ok());
    REQUIRE(dec->seek(start).ok());
    const std::vector<Image> tail = decode_all(dec.value());
    REQUIRE(tail.size() == 9 - start);
    for (size_t i = 0; i < tail.size(); ++i) CHECK(tail[i].rgb == all[start + i].rgb);
  }
  auto dec = VideoDecoder::open(set, path);
  REQUIRE(dec.ok());
  CHECK(dec->seek(9).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("video: bad input is refused with a message") {
  const ModelSet set = tiny_set();
  VideoDescription clip{16, 8, 25, 1};
  CHECK(VideoEncoder::start(set, clip, {90, -1}).status().code() == StatusCode::kInvalidArgument);
  CHECK(VideoEncoder::start(set, clip, {90, kMaxKeyint + 1}).status().code() == StatusCode::kInvalidArgument);
  CHECK(VideoEncoder::start(set, {0, 8, 25, 1}).status().code() == StatusCode::kInvalidArgument);
  auto enc = VideoEncoder::start(set, clip);
  REQUIRE(enc.ok());
  CHECK(enc->keyint() == 50);                                            // two seconds at 25 frames/s
  CHECK(enc->finish().status().code() == StatusCode::kInvalidArgument);  // no frame yet
  auto wrong = enc->push(clip_frame(15, 8, 0));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message() == "frame 0 is 15x8 but the clip is 16x8");

  const Coded coded = encode_clip(set, 20, 12, 8, 4);
  // Cut inside the last GOP: from memory (seekable) the missing end marker already fails open().
  std::vector<uint8_t> cut(coded.stream.begin(), coded.stream.end() - 40);
  Status error = first_error(set, cut);
  CHECK(error.code() == StatusCode::kInvalidData);
  MESSAGE(error.message());
  // A damaged byte in the first GOP's coded tokens.
  std::vector<uint8_t> damaged = coded.stream;
  damaged[120] ^= 0x40;
  error = first_error(set, damaged);
  CHECK(error.code() == StatusCode::kInvalidData);
  CHECK(error.message().find("damaged") != std::string::npos);
}

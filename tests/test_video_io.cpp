// VideoReader / VideoWriter: round trips through y4m, mkv (FFV1), mp4, avi and PNG sequences, exact
// frame rates, pipes, and the one-line errors for bad input (size change, truncation, not a video).
// Inputs are made at test time, by VideoWriter itself or by the ffmpeg command (BSQ_FFMPEG).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "media/image_io.h"
#include "media/video_io.h"

using namespace bsq;
using namespace bsq::media;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "bsq_video_XXXXXX").string();
    path = mkdtemp(name.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

// Noise: the hardest case for exactness (every value, no smoothness for a codec to lean on).
Image noise_frame(int w, int h, uint32_t seed) {
  Image im(w, h);
  std::mt19937 rng(seed);
  for (auto& v : im.rgb) v = static_cast<uint8_t>(rng() & 0xFF);
  return im;
}

// Smooth moving gradients: what a lossy codec is built for.
Image smooth_frame(int w, int h, int t) {
  Image im(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = im.row(y) + 3 * x;
      p[0] = static_cast<uint8_t>((x * 255 / std::max(1, w - 1) + 2 * t) & 0xFF);
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
      p[2] = static_cast<uint8_t>(128 + 100 * std::sin((x + y + t) * 0.1));
    }
  }
  return im;
}

VideoFormat format_of(int w, int h, int num = 30000, int den = 1001) {
  VideoFormat f;
  f.width = w;
  f.height = h;
  f.fps_num = num;
  f.fps_den = den;
  return f;
}

Status write_clip(const std::string& path, const std::vector<Image>& frames, const VideoFormat& format,
                  bool overwrite = false) {
  StatusOr<VideoWriter> writer = VideoWriter::open(path, format, overwrite);
  if (!writer.ok()) return writer.status();
  for (const Image& f : frames) BSQ_RETURN_IF_ERROR(writer->write(f));
  return writer->finish();
}

struct Clip {
  VideoFormat format;
  std::vector<Image> frames;
};

StatusOr<Clip> read_clip(const std::string& path) {
  StatusOr<VideoReader> reader = VideoReader::open(path);
  if (!reader.ok()) return reader.status();
  Clip clip;
  clip.format = reader->format();
  while (true) {
    Image frame;
    StatusOr<bool> more = reader->next(&frame);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    clip.frames.push_back(std::move(frame));
  }
  return clip;
}

// Largest |a - b| over each channel.
std::vector<int> max_error(const Image& a, const Image& b) {
  std::vector<int> worst(3, 0);
  for (size_t i = 0; i < a.rgb.size(); ++i) worst[i % 3] = std::max(worst[i % 3], std::abs(a.rgb[i] - b.rgb[i]));
  return worst;
}

double psnr(const Image& a, const Image& b) {
  double se = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) se += (a.rgb[i] - b.rgb[i]) * double(a.rgb[i] - b.rgb[i]);
  const double mse = se / a.rgb.size();
  return mse == 0 ? 99 : 10 * std::log10(255.0 * 255.0 / mse);
}

bool have_ffmpeg() { return std::system(BSQ_FFMPEG " -hide_banner -version > /dev/null 2>&1") == 0; }

// Runs the ffmpeg command with `args`; true on success.
bool ffmpeg(const std::string& args) {
  return std::system((BSQ_FFMPEG " -nostdin -hide_banner -loglevel error -y " + args).c_str()) == 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void truncate_to(const std::string& path, double fraction) {
  fs::resize_file(path, static_cast<uintmax_t>(fs::file_size(path) * fraction));
}

bool one_line(const Status& st) { return !st.message().empty() && st.message().find('\n') == std::string::npos; }

}  // namespace

TEST_CASE("mkv (FFV1): pixels, size, rate and frame count survive exactly, odd sizes included") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 5; ++t) frames.push_back(noise_frame(7, 13, t));
  const std::string path = dir / "clip.mkv";
  VideoFormat format = format_of(7, 13);
  format.color_primaries = 9;  // BT.2020
  format.color_transfer = 13;  // sRGB
  format.color_matrix = 1;     // BT.709: meaningless for RGB pixels, so the file says RGB
  REQUIRE(write_clip(path, frames, format).ok());
  StatusOr<Clip> clip = read_clip(path);
  REQUIRE_MESSAGE(clip.ok(), clip.status().message());
  CHECK(clip->format.codec == "ffv1");
  CHECK(clip->format.width == 7);
  CHECK(clip->format.height == 13);
  CHECK(clip->format.fps_num == 30000);
  CHECK(clip->format.fps_den == 1001);
  CHECK(clip->format.color_matrix == 0);  // stored as RGB
  CHECK(clip->format.color_primaries == 9);
  CHECK(clip->format.color_transfer == 13);
  REQUIRE(clip->frames.size() == 5);
  for (int t = 0; t < 5; ++t) CHECK(clip->frames[t].rgb == frames[t].rgb);
  CHECK(dir.entries() == 1);  // no temporary left beside it
}

TEST_CASE("y4m: 4:4:4 full range, exact rate, RGB within one level per channel") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 5; ++t) frames.push_back(noise_frame(7, 13, 10 + t));
  const std::string path = dir / "clip.y4m";
  REQUIRE(write_clip(path, frames, format_of(7, 13)).ok());
  const std::string header = read_text(path).substr(0, 80);
  CHECK(header.find("W7 H13 F30000:1001") != std::string::npos);
  CHECK(header.find("C444") != std::string::npos);
  CHECK(header.find("XCOLORRANGE=FULL") != std::string::npos);

  StatusOr<Clip> clip = read_clip(path);
  REQUIRE_MESSAGE(clip.ok(), clip.status().message());
  CHECK(clip->format.fps_num == 30000);
  CHECK(clip->format.fps_den == 1001);
  CHECK(clip->format.frame_count == 5);
  CHECK(clip->format.full_range);
  REQUIRE(clip->frames.size() == 5);
  std::vector<int> worst(3, 0);
  for (int t = 0; t < 5; ++t) {
    const std::vector<int> e = max_error(clip->frames[t], frames[t]);
    for (int c = 0; c < 3; ++c) worst[c] = std::max(worst[c], e[c]);
  }
  MESSAGE("y4m RGB round trip, max abs error R G B: " << worst[0] << " " << worst[1] << " " << worst[2]);
  for (int c = 0; c < 3; ++c) CHECK(worst[c] <= 2);
}

TEST_CASE("mp4 (H.264): a lossy round trip keeps count, size, rate and colour tags") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 10; ++t) frames.push_back(smooth_frame(64, 48, t));
  VideoFormat format = format_of(64, 48);
  format.color_primaries = 1;
  format.color_transfer = 1;
  format.color_matrix = 1;
  const std::string path = dir / "clip.mp4";
  Status st = write_clip(path, frames, format);
  REQUIRE_MESSAGE(st.ok(), st.message());
  StatusOr<Clip> clip = read_clip(path);
  REQUIRE_MESSAGE(clip.ok(), clip.status().message());
  CHECK(clip->format.codec == "h264");
  CHECK(clip->format.fps_num == 30000);
  CHECK(clip->format.fps_den == 1001);
  CHECK(clip->format.frame_count == 10);
  CHECK(clip->format.color_primaries == 1);
  CHECK(clip->format.color_transfer == 1);
  CHECK(clip->format.color_matrix == 1);
  CHECK_FALSE(clip->format.full_range);
  // faststart: the index (moov) comes before the frames (mdat), so the file can stream through a pipe.
  const std::string bytes = read_text(path);
  CHECK(bytes.find("moov") < bytes.find("mdat"));
  REQUIRE(clip->frames.size() == 10);
  // A sanity bound: 4:2:0 at the default CRF on a 64x48 clip, not a quality claim.
  for (int t = 0; t < 10; ++t) CHECK(psnr(clip->frames[t], frames[t]) > 25);

  // Odd sizes cannot be 4:2:0; the writer falls back to a format the encoder takes.
  std::vector<Image> odd;
  for (int t = 0; t < 5; ++t) odd.push_back(smooth_frame(7, 13, t));
  st = write_clip(dir / "odd.mp4", odd, format_of(7, 13));
  REQUIRE_MESSAGE(st.ok(), st.message());
  StatusOr<Clip> odd_clip = read_clip(dir / "odd.mp4");
  REQUIRE_MESSAGE(odd_clip.ok(), odd_clip.status().message());
  CHECK(odd_clip->frames.size() == 5);
  CHECK(odd_clip->format.width == 7);
}

TEST_CASE("pixel aspect ratio survives y4m, mkv and mp4") {
  TempDir dir;
  VideoFormat format = format_of(16, 12, 25, 1);
  format.sar_num = 16;
  format.sar_den = 15;  // PAL 4:3 DV
  for (const std::string name : {"sar.y4m", "sar.mkv", "sar.mp4"}) {
    CAPTURE(name);
    REQUIRE(write_clip(dir / name, {smooth_frame(16, 12, 0), smooth_frame(16, 12, 1)}, format).ok());
    StatusOr<Clip> clip = read_clip(dir / name);
    REQUIRE_MESSAGE(clip.ok(), clip.status().message());
    CHECK(clip->format.sar_num == 16);
    CHECK(clip->format.sar_den == 15);
  }
  REQUIRE(write_clip(dir / "square.mkv", {smooth_frame(16, 12, 0)}, format_of(16, 12)).ok());
  StatusOr<Clip> plain = read_clip(dir / "square.mkv");
  REQUIRE(plain.ok());
  CHECK(plain->format.sar_num == 1);
  CHECK(plain->format.sar_den == 1);
}

TEST_CASE("a one-frame video") {
  TempDir dir;
  for (const std::string name : {"one.mkv", "one.y4m", "one.mp4"}) {
    CAPTURE(name);
    REQUIRE(write_clip(dir / name, {noise_frame(16, 16, 3)}, format_of(16, 16, 24, 1)).ok());
    StatusOr<Clip> clip = read_clip(dir / name);
    REQUIRE_MESSAGE(clip.ok(), clip.status().message());
    CHECK(clip->frames.size() == 1);
    CHECK(clip->format.fps_num == 24);
    CHECK(clip->format.fps_den == 1);
  }
}

TEST_CASE("PNG sequence: one exact file per frame, numbered from 1") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 3; ++t) frames.push_back(noise_frame(7, 13, 20 + t));
  REQUIRE(write_clip(dir / "frame%04d.png", frames, format_of(7, 13)).ok());
  CHECK(dir.entries() == 3);
  for (int t = 0; t < 3; ++t) {
    char name[32];
    std::snprintf(name, sizeof(name), "frame%04d.png", t + 1);
    StatusOr<Image> image = read_image(dir / name);
    REQUIRE_MESSAGE(image.ok(), image.status().message());
    CHECK(image->rgb == frames[t].rgb);
  }
  // Not overwritten without the flag; overwritten with it.
  Status st = write_clip(dir / "frame%04d.png", frames, format_of(7, 13));
  CHECK(st.code() == StatusCode::kIoError);
  CHECK(st.message().find("frame0001.png") != std::string::npos);
  CHECK(write_clip(dir / "frame%04d.png", frames, format_of(7, 13), true).ok());
  // A pattern with two conversions is refused.
  CHECK(VideoWriter::open(dir / "a%d_%d.png", format_of(7, 13)).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("writer: no half-written file, no silent overwrite") {
  TempDir dir;
  const std::string path = dir / "clip.mkv";
  {
    StatusOr<VideoWriter> writer = VideoWriter::open(path, format_of(8, 8));
    REQUIRE(writer.ok());
    REQUIRE(writer->write(noise_frame(8, 8, 1)).ok());
    CHECK(dir.entries() == 1);  // the temporary
    CHECK_FALSE(fs::exists(path));
    // A frame of the wrong size fails the writer and discards what it wrote.
    Status st = writer->write(noise_frame(9, 8, 2));
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find(path) != std::string::npos);
    CHECK(one_line(st));
    CHECK_FALSE(writer->finish().ok());
  }
  CHECK(dir.entries() == 0);
  {
    StatusOr<VideoWriter> writer = VideoWriter::open(path, format_of(8, 8));
    REQUIRE(writer.ok());
    REQUIRE(writer->write(noise_frame(8, 8, 1)).ok());
  }  // dropped without finish()
  CHECK(dir.entries() == 0);

  REQUIRE(write_clip(path, {noise_frame(8, 8, 1)}, format_of(8, 8)).ok());
  const mode_t mask = umask(0);
  umask(mask);
  struct stat st_mode {};
  REQUIRE(stat(path.c_str(), &st_mode) == 0);
  CHECK((st_mode.st_mode & 0777) == (0666 & ~mask));  // as a plain open would create it, not a temp file's 0600
  const auto size = fs::file_size(path);
  Status st = write_clip(path, {noise_frame(8, 8, 2), noise_frame(8, 8, 3)}, format_of(8, 8));
  CHECK(st.code() == StatusCode::kIoError);
  CHECK(st.message().find("exists") != std::string::npos);
  CHECK(fs::file_size(path) == size);
  CHECK(write_clip(path, {noise_frame(8, 8, 2), noise_frame(8, 8, 3)}, format_of(8, 8), true).ok());
  StatusOr<Clip> clip = read_clip(path);
  REQUIRE(clip.ok());
  CHECK(clip->frames.size() == 2);
  CHECK(dir.entries() == 1);

  CHECK(VideoWriter::open(dir / "clip.txt", format_of(8, 8)).status().code() == StatusCode::kInvalidArgument);
  CHECK(VideoWriter::open(dir / "clip", format_of(8, 8)).status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(VideoWriter::open(dir / "clip.mkv", format_of(0, 8), true).ok());
  CHECK(dir.entries() == 1);
}

TEST_CASE("reader: bad input is a one-line error naming the file") {
  TempDir dir;
  const auto expect_error = [](const std::string& path, StatusCode code, const std::string& words) {
    CAPTURE(path);
    StatusOr<VideoReader> reader = VideoReader::open(path);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == code);
    CHECK(one_line(reader.status()));
    CHECK(reader.status().message().find(path) != std::string::npos);
    CHECK_MESSAGE(reader.status().message().find(words) != std::string::npos, reader.status().message());
  };
  expect_error(dir / "missing.mp4", StatusCode::kIoError, "No such file");
  expect_error(dir.path.string(), StatusCode::kIoError, "directory");
  std::ofstream(dir / "empty.mp4").close();
  expect_error(dir / "empty.mp4", StatusCode::kInvalidData, "empty");
  std::ofstream(dir / "text.mp4") << "just some words, not a video at all\n";
  expect_error(dir / "text.mp4", StatusCode::kInvalidData, "not a video");
  // A concat script is recognised by content, and FFmpeg would read the clip it names; ours may not
  // open any file but the one it was given.
  REQUIRE(write_clip(dir / "real.mkv", {noise_frame(8, 8, 1)}, format_of(8, 8)).ok());
  std::ofstream(dir / "list.txt") << "ffconcat version 1.0\nfile '" << (dir / "real.mkv") << "'\n";
  REQUIRE(ffmpeg("-f concat -safe 0 -i " + dir / "list.txt" + " -f null -"));  // the script itself works
  StatusOr<VideoReader> list = VideoReader::open(dir / "list.txt");
  REQUIRE_FALSE(list.ok());
  CHECK(one_line(list.status()));
  CHECK_MESSAGE(list.status().message().find("playlist") != std::string::npos, list.status().message());
}

TEST_CASE("reader: sizes beyond the limits are refused before decoding") {
  TempDir dir;
  const auto open_y4m = [&](const std::string& size) {
    const std::string path = dir / "big.y4m";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "YUV4MPEG2 " << size << " F25:1 C444\nFRAME\n"
                                                            << std::string(1000, 'x');
    return VideoReader::open(path);
  };
  // Wider than kMaxSide, though FFmpeg would take it: our limit, named as such.
  StatusOr<VideoReader> wide = open_y4m("W33000 H16");
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.status().code() == StatusCode::kUnsupported);
  CHECK_MESSAGE(wide.status().message().find("the limit is 32768") != std::string::npos, wide.status().message());
  // 40000x40000 (4.8 GB of 4:4:4 a frame): FFmpeg's demuxer refuses it first; one line either way.
  StatusOr<VideoReader> huge = open_y4m("W40000 H40000");
  REQUIRE_FALSE(huge.ok());
  CHECK(one_line(huge.status()));
}

TEST_CASE("reader: a truncated file is an error, not a shorter clip") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 6; ++t) frames.push_back(noise_frame(16, 16, t));
  for (const std::string name : {"cut.y4m", "cut.mp4", "cut.mkv"}) {
    CAPTURE(name);
    const std::string path = dir / name;
    REQUIRE(write_clip(path, frames, format_of(16, 16)).ok());
    truncate_to(path, 0.6);
    StatusOr<Clip> clip = read_clip(path);
    if (clip.ok()) MESSAGE(name << " read " << clip->frames.size() << " frames after truncation");
    REQUIRE_FALSE(clip.ok());
    CHECK(one_line(clip.status()));
    CHECK(clip.status().message().find(path) != std::string::npos);
    MESSAGE(clip.status().message());
  }
}

// Cuts at many points and flipped bytes in every format: an error or a shorter-but-valid read, never
// a crash or a hang (the suite's timeout would catch a hang). Cheap fuzzing of the reader's paths.
TEST_CASE("reader: cut and damaged files never crash") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 6; ++t) frames.push_back(smooth_frame(24, 16, t));
  for (const std::string name : {"f.y4m", "f.mkv", "f.mp4", "f.avi", "f.webm"}) {
    CAPTURE(name);
    const std::string source = dir / name;
    Status st = write_clip(source, frames, format_of(24, 16));
    if (!st.ok()) {
      MESSAGE("cannot write " << name << " here: " << st.message());
      continue;
    }
    const std::string bytes = read_text(source);
    std::mt19937 rng(7);
    int cuts_refused = 0, flips_refused = 0;
    for (int i = 0; i < 40; ++i) {
      std::string damaged = bytes;
      if (i < 20) {
        damaged.resize(bytes.size() * static_cast<size_t>(i + 1) / 21);
      } else {
        for (int k = 0; k < 4; ++k) damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      const std::string path = dir / ("damaged_" + name);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
      StatusOr<Clip> clip = read_clip(path);
      if (!clip.ok()) {
        ++(i < 20 ? cuts_refused : flips_refused);
        CHECK(one_line(clip.status()));
        CHECK(clip.status().message().find(path) != std::string::npos);
      } else {
        CHECK(clip->frames.size() <= frames.size());
      }
    }
    MESSAGE(name << ": refused " << cuts_refused << " of 20 cut copies, " << flips_refused
                 << " of 20 with 4 bytes changed (the rest decode, as damaged pixels can)");
  }
}

TEST_CASE("reader: a frame size change mid-clip is a clear error") {
  if (!have_ffmpeg()) return;
  TempDir dir;
  // MPEG-TS files can be concatenated byte-wise; the decoder then meets a new size.
  REQUIRE(ffmpeg("-f lavfi -i testsrc=size=64x48:rate=25 -frames:v 5 -c:v mpeg2video " + dir / "a.ts"));
  REQUIRE(ffmpeg("-f lavfi -i testsrc=size=32x32:rate=25 -frames:v 5 -c:v mpeg2video " + dir / "b.ts"));
  {
    std::ofstream out(dir / "ab.ts", std::ios::binary);
    out << read_text(dir / "a.ts") << read_text(dir / "b.ts");
  }
  StatusOr<Clip> clip = read_clip(dir / "ab.ts");
  REQUIRE_FALSE(clip.ok());
  CHECK(clip.status().code() == StatusCode::kInvalidData);
  CHECK(one_line(clip.status()));
  // FFmpeg itself loses the last frame before the junction (ffprobe shows 4 + 5 frames), so the new
  // size comes at frame 5.
  CHECK_MESSAGE(clip.status().message().find("frame 5 is 32x32 but the clip is 64x48") != std::string::npos,
                clip.status().message());

  // Two y4m files back to back: the second header is not a frame.
  REQUIRE(write_clip(dir / "a.y4m", {noise_frame(8, 8, 1), noise_frame(8, 8, 2)}, format_of(8, 8)).ok());
  REQUIRE(write_clip(dir / "b.y4m", {noise_frame(4, 6, 1)}, format_of(4, 6)).ok());
  {
    std::ofstream out(dir / "ab.y4m", std::ios::binary);
    out << read_text(dir / "a.y4m") << read_text(dir / "b.y4m");
  }
  clip = read_clip(dir / "ab.y4m");
  REQUIRE_FALSE(clip.ok());
  CHECK(one_line(clip.status()));
  MESSAGE(clip.status().message());
}

TEST_CASE("reader: clips made by ffmpeg (avi, y4m, webm, mkv) with their rates") {
  if (!have_ffmpeg()) return;
  TempDir dir;
  struct Case {
    const char* name;
    const char* args;
    int num, den;
    const char* codec;
  };
  const Case cases[] = {
      {"clip.avi", "-c:v mpeg4", 25, 1, "mpeg4"},
      {"clip.y4m", "-pix_fmt yuv420p", 30000, 1001, "rawvideo"},
      {"clip.webm", "-c:v libvpx-vp9 -deadline realtime", 30000, 1001, "vp9"},
      {"clip.mkv", "-c:v libx264 -pix_fmt yuv420p", 30000, 1001, "h264"},
      {"clip.mp4", "-c:v libx264 -bf 2 -pix_fmt yuv420p", 30000, 1001, "h264"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string rate = std::to_string(c.num) + "/" + std::to_string(c.den);
    if (!ffmpeg("-f lavfi -i testsrc=size=64x48:rate=" + rate + " -frames:v 7 " + c.args + " " + dir / c.name)) {
      MESSAGE("ffmpeg cannot make " << c.name << "; skipped");
      continue;
    }
    StatusOr<Clip> clip = read_clip(dir / c.name);
    REQUIRE_MESSAGE(clip.ok(), clip.status().message());
    CHECK(clip->frames.size() == 7);
    CHECK(clip->format.width == 64);
    CHECK(clip->format.height == 48);
    CHECK(clip->format.fps_num == c.num);
    CHECK(clip->format.fps_den == c.den);
    CHECK(clip->format.codec == c.codec);
  }
  // 4:2:0 at odd sizes (chroma planes round up) from a y4m ffmpeg wrote.
  REQUIRE(ffmpeg("-f lavfi -i testsrc=size=7x13:rate=30000/1001 -frames:v 5 -pix_fmt yuv420p " + dir / "odd.y4m"));
  StatusOr<Clip> odd = read_clip(dir / "odd.y4m");
  REQUIRE_MESSAGE(odd.ok(), odd.status().message());
  CHECK(odd->frames.size() == 5);
  CHECK(odd->format.width == 7);
  CHECK(odd->format.height == 13);
  CHECK(odd->format.frame_count == 5);
}

TEST_CASE("stdin and stdout: y4m through pipes") {
  TempDir dir;
  std::vector<Image> frames;
  for (int t = 0; t < 4; ++t) frames.push_back(noise_frame(7, 13, 30 + t));

  // Writer to "-": fd 1 becomes a pipe drained by a thread into a file.
  int out_pipe[2];
  REQUIRE(pipe(out_pipe) == 0);
  const int saved_stdout = dup(1);
  std::fflush(stdout);
  dup2(out_pipe[1], 1);
  close(out_pipe[1]);
  std::string piped;
  std::thread drain([&] {
    char buf[4096];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof(buf))) > 0) piped.append(buf, static_cast<size_t>(n));
  });
  Status st = write_clip("-", frames, format_of(7, 13));
  dup2(saved_stdout, 1);  // closes the pipe's last write end: the thread sees the end
  close(saved_stdout);
  drain.join();
  close(out_pipe[0]);
  REQUIRE_MESSAGE(st.ok(), st.message());
  REQUIRE(write_clip(dir / "file.y4m", frames, format_of(7, 13)).ok());
  CHECK(piped == read_text(dir / "file.y4m"));

  // Reader from "-": fd 0 becomes a pipe fed by a thread (not seekable, as in a shell pipeline).
  int in_pipe[2];
  REQUIRE(pipe(in_pipe) == 0);
  const int saved_stdin = dup(0);
  dup2(in_pipe[0], 0);
  close(in_pipe[0]);
  std::thread feed([&] {
    size_t at = 0;
    while (at < piped.size()) {
      const ssize_t n = write(in_pipe[1], piped.data() + at, piped.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    close(in_pipe[1]);
  });
  StatusOr<Clip> clip = read_clip("-");
  feed.join();
  dup2(saved_stdin, 0);
  close(saved_stdin);
  std::clearerr(stdin);
  REQUIRE_MESSAGE(clip.ok(), clip.status().message());
  CHECK(clip->format.fps_num == 30000);
  CHECK(clip->format.fps_den == 1001);
  REQUIRE(clip->frames.size() == 4);
  StatusOr<Clip> from_file = read_clip(dir / "file.y4m");
  REQUIRE(from_file.ok());
  for (int t = 0; t < 4; ++t) CHECK(clip->frames[t].rgb == from_file->frames[t].rgb);
}

TEST_CASE("streaming: a 300-frame clip goes through one frame buffer") {
  TempDir dir;
  const std::string path = dir / "long.y4m";
  {
    StatusOr<VideoWriter> writer = VideoWriter::open(path, format_of(32, 24));
    REQUIRE(writer.ok());
    for (int t = 0; t < 300; ++t) REQUIRE(writer->write(smooth_frame(32, 24, t)).ok());
    REQUIRE(writer->finish().ok());
    CHECK(writer->frames_written() == 300);
  }
  StatusOr<VideoReader> reader = VideoReader::open(path);
  REQUIRE(reader.ok());
  CHECK(reader->format().frame_count == 300);
  Image frame;
  REQUIRE(reader->next(&frame).value());
  const uint8_t* buffer = frame.rgb.data();
  int64_t n = 1;
  while (reader->next(&frame).value()) {
    ++n;
    // The caller's buffer is reused: the reader hands frames over without keeping or reallocating them.
    CHECK(frame.rgb.data() == buffer);
  }
  CHECK(n == 300);
  CHECK(reader->frames_read() == 300);
  CHECK_FALSE(reader->next(&frame).value());  // stays at the end
}

// Speed on a 640x360 clip; run with --no-skip (not part of the suite: timing depends on the machine).
TEST_CASE("bench: 640x360 read and write speed" * doctest::skip()) {
  TempDir dir;
  const int n = 120;
  std::vector<Image> frames;
  for (int t = 0; t < 8; ++t) frames.push_back(smooth_frame(640, 360, t * 5));
  for (const std::string name : {"b.y4m", "b.mkv", "b.mp4"}) {
    const auto t0 = std::chrono::steady_clock::now();
    StatusOr<VideoWriter> writer = VideoWriter::open(dir / name, format_of(640, 360));
    REQUIRE(writer.ok());
    for (int t = 0; t < n; ++t) REQUIRE(writer->write(frames[t % frames.size()]).ok());
    REQUIRE(writer->finish().ok());
    const auto t1 = std::chrono::steady_clock::now();
    StatusOr<VideoReader> reader = VideoReader::open(dir / name);
    REQUIRE(reader.ok());
    Image frame;
    int read = 0;
    while (reader->next(&frame).value()) ++read;
    const auto t2 = std::chrono::steady_clock::now();
    CHECK(read == n);
    const double w = std::chrono::duration<double>(t1 - t0).count(), r = std::chrono::duration<double>(t2 - t1).count();
    MESSAGE(name << ": write " << n / w << " frames/s, read " << n / r << " frames/s, " << fs::file_size(dir / name) / n
                 << " bytes/frame");
  }
}

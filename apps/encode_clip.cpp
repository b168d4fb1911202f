// bsqenc, video: reader -> VideoEncoder -> OutputFile::append, one frame at a time.
#include "encode_clip.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "bsq/video.h"
#include "progress_line.h"

namespace bsq::cli {
namespace {

// What the stream records: the reader's exact rate and colour description. The codec sees R'G'B'
// frames; matrix and range say how the source stored them, so bsqdec can write the clip back alike.
VideoDescription describe(const media::VideoFormat& format) {
  VideoDescription clip;
  clip.width = format.width;
  clip.height = format.height;
  clip.fps_num = format.fps_num > 0 ? format.fps_num : 0;
  clip.fps_den = format.fps_num > 0 ? format.fps_den : 1;
  clip.color_primaries = format.color_primaries;
  clip.color_transfer = format.color_transfer;
  clip.color_matrix = format.color_matrix;
  clip.full_range = format.full_range;
  return clip;
}

// Totals over the coded frames, for the report.
struct ClipStats {
  uint64_t frames = 0, key_frames = 0, bits = 0, fresh_tokens = 0, tokens = 0, bytes = 0;
};

}  // namespace

int encode_clip(media::VideoReader& reader, const ModelSet& models, OutputFile& out, const EncodeClipRequest& request,
                const CommonOptions& options, const Console& console) {
  const media::VideoFormat& format = reader.format();
  const std::string in_name = display_name(options.input, "<stdin>");
  const std::string out_name = display_name(options.output, "<stdout>");
  const std::string rate =
      format.fps_num > 0 ? fmt::format("{}/{} fps", format.fps_num, format.fps_den) : "unknown rate";
  console.note(fmt::format("{}: {}x{} {} video, {}, {} frames", in_name, format.width, format.height, format.codec,
                           rate, format.frame_count >= 0 ? std::to_string(format.frame_count) : "unknown"));

  // Loaded before the clock starts, as for a still image.
  auto chosen = models.model_for_quality(request.quality);
  if (!chosen.ok()) return console.fail(chosen.status());
  note_model(console, models, chosen.value());
  VideoEncodeOptions encode_options;
  encode_options.quality = request.quality;
  encode_options.keyint = request.keyint;
  encode_options.effort = request.effort;
  auto encoder = VideoEncoder::start(models, describe(format), encode_options);
  if (!encoder.ok()) return console.fail(encoder.status());

  Stopwatch clock;
  Image frame;
  // --start: the frames before it are decoded and dropped (a reader cannot seek).
  for (int64_t skipped = 0; skipped < request.range.start; ++skipped) {
    auto more = reader.next(&frame);
    if (!more.ok()) return console.fail(more.status());
    if (!more.value())
      return console.fail(Status(StatusCode::kInvalidArgument, fmt::format("--start {}: '{}' has only {} frames",
                                                                           request.range.start, in_name, skipped)));
  }
  int64_t total = request.range.frames;
  if (format.frame_count >= 0) {
    const int64_t left = std::max<int64_t>(0, format.frame_count - request.range.start);
    total = total < 0 ? left : std::min(total, left);
  }
  ClipStats stats;
  {
    ProgressLine progress(console.program, "encoding", !console.quiet);
    while (request.range.frames < 0 || static_cast<int64_t>(stats.frames) < request.range.frames) {
      auto more = reader.next(&frame);
      if (!more.ok()) return console.fail(more.status());
      if (!more.value()) break;
      auto bytes = encoder->push(frame);
      if (!bytes.ok()) return console.fail(bytes.status());
      if (Status st = out.append(bytes.value()); !st.ok()) return console.fail(st);
      stats.bytes += bytes->size();
      const VideoFrameStats& f = encoder->last_frame();
      ++stats.frames;
      stats.key_frames += f.key ? 1 : 0;
      stats.bits += f.bits;
      stats.fresh_tokens += f.fresh_tokens;
      stats.tokens += f.tokens;
      progress.frames(static_cast<int64_t>(stats.frames), total);
    }
  }
  if (stats.frames == 0)
    return console.fail(Status(StatusCode::kInvalidArgument,
                               fmt::format("--start {}: '{}' has no frame there", request.range.start, in_name)));
  auto tail = encoder->finish();
  if (!tail.ok()) return console.fail(tail.status());
  Status written = out.append(tail.value());
  if (written.ok()) written = out.commit();
  if (!written.ok()) return console.fail(written);
  stats.bytes += tail->size();
  const double seconds = clock.seconds();

  const double pixels = static_cast<double>(format.width) * format.height * static_cast<double>(stats.frames);
  const double bpp = 8.0 * static_cast<double>(stats.bytes) / pixels;
  const double fps = seconds > 0 ? static_cast<double>(stats.frames) / seconds : 0;
  const double fresh =
      stats.tokens > 0 ? static_cast<double>(stats.fresh_tokens) / static_cast<double>(stats.tokens) : 0;
  const std::string& model_path = models.path(encoder->model());
  console.note(
      fmt::format("{} key frames, {:.1f} % of the tokens fresh, model {}", stats.key_frames, 100 * fresh, model_path));
  if (options.json) {
    JsonObject json;
    json.add("input", in_name).add("output", out_name);
    json.add("width", format.width).add("height", format.height);
    json.add("fps_num", describe(format).fps_num).add("fps_den", describe(format).fps_den);
    json.add("start", request.range.start).add("frames", stats.frames).add("key_frames", stats.key_frames);
    json.add("keyint", encoder->keyint());
    json.add("bytes", stats.bytes).add("bpp", bpp);
    json.add("quality", request.quality)
        .add("effort", request.effort)
        .add("bits", encoder->bits())
        .add("coded_bits", stats.bits);
    json.add("fresh_token_share", fresh);
    json.add("seconds", seconds).add("fps", fps);
    json.add("source_format", format.codec);
    json.add("model", model_path);
    std::fprintf(out.is_stdout() ? stderr : stdout, "%s\n", json.str().c_str());
  } else if (!console.quiet) {
    fmt::print(stderr,
               "bsqenc: {} ({}x{}, {} frames) -> {}: {} bytes, {:.4f} bpp, keyint {}, {:.2f} s ({:.1f} frames/s)\n",
               in_name, format.width, format.height, stats.frames, out_name, stats.bytes, bpp, encoder->keyint(),
               seconds, fps);
  }
  return 0;
}

}  // namespace bsq::cli

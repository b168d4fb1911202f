// bsqdec, video: VideoDecoder (seeking to --start) -> VideoWriter, one frame at a time.
#include "decode_clip.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "media/video_io.h"
#include "output_file.h"
#include "progress_line.h"
#include "staged_sequence.h"

namespace bsq::cli {
namespace {

// What the writer stores: the stream's rate and colour description, as the source had them.
media::VideoFormat writer_format(const VideoDescription& clip) {
  media::VideoFormat format;
  format.width = clip.width;
  format.height = clip.height;
  format.fps_num = clip.fps_num;
  format.fps_den = clip.fps_num > 0 ? clip.fps_den : 1;
  format.color_primaries = clip.color_primaries;
  format.color_transfer = clip.color_transfer;
  format.color_matrix = clip.color_matrix;
  format.full_range = clip.full_range;
  return format;
}

}  // namespace

int decode_clip(VideoDecoder& decoder, const ModelSet& models, const FrameRange& range, uint64_t stream_bytes,
                const CommonOptions& options, const Console& console) {
  const VideoStreamInfo& info = decoder.info();
  const std::string in_name = display_name(options.input, "<stdin>");
  const std::string out_name = display_name(options.output, "<stdout>");
  const auto fail_on_input = [&](const Status& status) {
    return console.fail(Status(status.code(), fmt::format("{}: {}", in_name, status.message())));
  };
  if (Status st = check_output_target(options.output, options.input, options.overwrite); !st.ok())
    return console.fail(st);
  note_model(console, models, info.model);
  if (info.frames >= 0 && range.start >= info.frames)
    return console.fail(Status(StatusCode::kInvalidArgument,
                               fmt::format("--start {}: '{}' has {} frames", range.start, in_name, info.frames)));

  // A sequence is staged in a hidden directory; the other outputs stage in the writer itself.
  std::optional<StagedSequence> sequence;
  std::string write_path = options.output;
  if (is_sequence_pattern(options.output)) {
    // The writer checks the first frame's name against existing files; that is the real name.
    if (auto check = media::VideoWriter::open(options.output, writer_format(info.clip), options.overwrite); !check.ok())
      return console.fail(check.status());
    auto staged = StagedSequence::open(options.output, options.overwrite);
    if (!staged.ok()) return console.fail(staged.status());
    sequence.emplace(std::move(staged.value()));
    write_path = sequence->write_pattern();
  }
  auto writer = media::VideoWriter::open(write_path, writer_format(info.clip), options.overwrite);
  if (!writer.ok()) return console.fail(writer.status());

  Stopwatch clock;
  Image frame;
  if (range.start > 0) {
    Status sought = decoder.seek(static_cast<uint32_t>(range.start));
    if (sought.code() == StatusCode::kUnsupported) {
      // No index (a stream cut short, or one written to a pipe): decode from the start and drop.
      sought = Status::Ok();
      for (int64_t skipped = 0; sought.ok() && skipped < range.start; ++skipped) {
        auto more = decoder.next(&frame);
        if (!more.ok()) return fail_on_input(more.status());
        if (!more.value())
          sought = Status(StatusCode::kInvalidArgument,
                          fmt::format("--start {}: the stream has {} frames", range.start, skipped));
      }
    }
    if (!sought.ok()) return fail_on_input(sought);
  }
  int64_t total = range.frames;
  if (info.frames >= 0) {
    const int64_t left = info.frames - range.start;
    total = total < 0 ? left : std::min(total, left);
  }
  int64_t written = 0;
  {
    ProgressLine progress(console.program, "decoding", !console.quiet);
    while (range.frames < 0 || written < range.frames) {
      auto more = decoder.next(&frame);
      if (!more.ok()) return fail_on_input(more.status());
      if (!more.value()) break;
      if (Status st = writer->write(frame); !st.ok()) return console.fail(st);
      ++written;
      progress.frames(written, total);
    }
  }
  if (written == 0)
    return console.fail(
        Status(StatusCode::kInvalidArgument, fmt::format("--start {}: '{}' has no frame there", range.start, in_name)));
  Status done = writer->finish();
  if (done.ok() && sequence) done = sequence->commit();
  if (!done.ok()) return console.fail(done);
  if (range.frames > written)
    console.warning(
        fmt::format("--frames {}: the stream has only {} frames from {}", range.frames, written, range.start));
  const double seconds = clock.seconds();
  const double fps = seconds > 0 ? static_cast<double>(written) / seconds : 0;

  const VideoDescription& clip = info.clip;
  const std::string& model_path = models.path(info.model);
  console.note(fmt::format("decoded {} frames in {:.3f} s with {}", written, seconds, model_path));
  if (options.json) {
    JsonObject json;
    json.add("input", in_name).add("output", out_name);
    json.add("width", clip.width).add("height", clip.height);
    json.add("fps_num", clip.fps_num).add("fps_den", clip.fps_den);
    json.add("start", range.start).add("frames", written);
    if (info.frames >= 0)
      json.add("stream_frames", info.frames);
    else
      json.add_null("stream_frames");
    json.add("gops", info.gops.size()).add("bytes", stream_bytes);
    json.add("bits", info.bits).add("seconds", seconds).add("fps", fps);
    json.add("model", model_path);
    std::fprintf(options.output == "-" ? stderr : stdout, "%s\n", json.str().c_str());
  } else if (!console.quiet) {
    fmt::print(stderr, "bsqdec: {} -> {} ({}x{}): {} frames from {}, {:.2f} s ({:.1f} frames/s)\n", in_name, out_name,
               clip.width, clip.height, written, range.start, seconds, fps);
  }
  return 0;
}

}  // namespace bsq::cli

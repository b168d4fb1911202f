// bsqdec: decodes a .bsq stream (or a token grid, --from-tokens) into an image file, a video stream
// into a video file or an image sequence, or describes the stream (--info). Parses options, calls
// the library, reports.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bsq/codec.h"
#include "bsq/limits.h"
#include "bsq/metrics.h"
#include "bsq/video.h"
#include "cli_common.h"
#include "decode_clip.h"
#include "media/image_io.h"
#include "output_file.h"
#include "progress_line.h"
#include "stream_info.h"
#include "token_file.h"

namespace {

using bsq::Status;
using bsq::StatusCode;
using bsq::cli::Console;

// The whole stream in memory, capped as image inputs are (media/input_bytes.h).
bsq::StatusOr<std::vector<uint8_t>> read_stream(const std::string& path) {
  auto bytes = bsq::media::read_input_bytes(path);
  if (bytes.ok()) return bytes;
  return Status(bytes.status().code(),
                fmt::format("cannot read '{}': {}", bsq::cli::display_name(path, "<stdin>"), bytes.status().message()));
}

// A video stream has several frames, or a frame rate (a one-frame clip keeps its rate), or a
// length not known up front; a still image has one frame and no rate.
bool is_video(const bsq::VideoStreamInfo& info) { return info.frames != 1 || info.clip.fps_num != 0; }

}  // namespace

int main(int argc, char** argv) {
  Console console{"bsqdec"};
  bsq::cli::CommonOptions o;
  std::string compare, from_tokens;
  bool info = false;
  bsq::cli::FrameRange range;
  CLI::App app{
      "bsqdec: decodes a .bsq stream into an image; the format follows OUTPUT's extension\n"
      "(.png .ppm .bmp .tif .jpg .webp). A video stream becomes a video: .y4m, .mkv (FFV1, lossless),\n"
      "any other container FFmpeg writes (.mp4, .webm, .avi, ...), or PNG files frame%04d.png.\n"
      "INPUT and OUTPUT may be - for stdin and stdout (PNG for an image, y4m for a video)."};
  app.set_version_flag("--version", "bsqdec " BSQ_VERSION);
  app.add_option("INPUT", o.input, "Stream to decode (- reads stdin); not with --from-tokens");
  app.add_option("OUTPUT", o.output,
                 "Image or video to write (- writes PNG or y4m to stdout; frame%04d.png: one PNG per frame); "
                 "not with --info");
  app.add_option(
      "--from-tokens", from_tokens,
      "Decode the token grid FILE.npy (and FILE.json beside it, as bsqenc --tokens writes them) instead of a "
      "stream: bsqdec --from-tokens FILE.npy OUTPUT");
  bsq::cli::add_model_options(app, o);
  app.add_option("--compare", compare, "Reference image: report the PSNR of the decoded image against it");
  app.add_flag("--info", info,
               "Print the stream's header, frames, rate and GOPs (FRAM chunks) instead of decoding (no model needed)");
  auto* start_option = app.add_option("--start", range.start,
                                      "Video: the first frame to write (decoding starts at the key frame of its GOP)")
                           ->check(CLI::Range(int64_t{0}, int64_t{bsq::kMaxFrames}));
  auto* frames_option = app.add_option("--frames", range.frames, "Video: write at most this many frames")
                            ->check(CLI::Range(int64_t{1}, int64_t{bsq::kMaxFrames}));
  bsq::cli::add_report_options(app, o, console);
  if (const int rc = bsq::cli::parse_command_line(app, argc, argv, console); rc >= 0) return rc;

  // With --from-tokens the one positional argument is OUTPUT; the token file is the input.
  if (!from_tokens.empty()) {
    if (info) return console.fail(Status(StatusCode::kInvalidArgument, "--info and --from-tokens exclude each other"));
    if (!o.output.empty())
      return console.fail(
          Status(StatusCode::kInvalidArgument, "--from-tokens takes one file argument, OUTPUT (see --help)"));
    o.output = std::exchange(o.input, from_tokens);
  }
  if (o.input.empty()) return console.fail(Status(StatusCode::kInvalidArgument, "INPUT is required (see --help)"));
  const std::string in_name = bsq::cli::display_name(o.input, "<stdin>");
  const bool range_given = start_option->count() > 0 || frames_option->count() > 0;
  if (info) {
    if (!o.output.empty() || !compare.empty() || range_given)
      return console.fail(Status(StatusCode::kInvalidArgument, "--info takes only INPUT (and --json)"));
    auto bytes = read_stream(o.input);
    if (!bytes.ok()) return console.fail(bytes.status());
    const Status shown = bsq::cli::print_stream_info(in_name, bytes.value(), o.json);
    return shown.ok() ? 0 : console.fail(shown);
  }
  if (o.output.empty()) return console.fail(Status(StatusCode::kInvalidArgument, "OUTPUT is required (see --help)"));

  // Everything that can be checked cheaply is, before the model loads and the decoder runs.
  auto models = bsq::cli::open_models(o);
  if (!models.ok()) return console.fail(models.status());
  // A stream, or the tokens and what their sidecar says. stdin is read whole (it cannot be read twice).
  bsq::StatusOr<std::vector<uint8_t>> bytes = std::vector<uint8_t>{};
  const bool stream_in_memory = from_tokens.empty() && o.input == "-";
  if (stream_in_memory) bytes = read_stream(o.input);
  if (!bytes.ok()) return console.fail(bytes.status());

  // A video stream is decoded frame by frame into a video; a still image as before. A stream the video
  // decoder cannot open goes the still-image way too, which says what is wrong with it.
  if (from_tokens.empty()) {
    auto video = stream_in_memory ? bsq::VideoDecoder::open(models.value(), bytes->data(), bytes->size())
                                  : bsq::VideoDecoder::open(models.value(), o.input);
    if (video.ok() && is_video(video->info())) {
      if (!compare.empty())
        return console.fail(Status(StatusCode::kInvalidArgument, "--compare is for still images; INPUT is a video"));
      std::error_code ec;
      const uint64_t size = stream_in_memory ? bytes->size() : std::filesystem::file_size(o.input, ec);
      return bsq::cli::decode_clip(video.value(), models.value(), range, ec ? 0 : size, o, console);
    }
    // Only a video has frames to choose: say why this stream is not one.
    if (!video.ok() && range_given)
      return console.fail(Status(video.status().code(), fmt::format("{}: {}", in_name, video.status().message())));
  }
  if (range_given)
    return console.fail(
        Status(StatusCode::kInvalidArgument,
               fmt::format("--start and --frames are for video streams; '{}' is a still image", in_name)));
  auto out = bsq::cli::OutputFile::open(o.output, o.input, o.overwrite);
  if (!out.ok()) return console.fail(out.status());
  bsq::cli::Stopwatch total;
  bsq::StatusOr<bsq::cli::TokenFile> tokens = bsq::cli::TokenFile{};
  if (!from_tokens.empty())
    tokens = bsq::cli::read_token_file(from_tokens);
  else if (!stream_in_memory)
    bytes = read_stream(o.input);
  if (!bytes.ok()) return console.fail(bytes.status());
  if (!tokens.ok()) return console.fail(tokens.status());
  std::optional<bsq::Image> reference;
  if (!compare.empty()) {
    auto image = bsq::media::read_image(compare);
    if (!image.ok()) return console.fail(image.status());
    reference = std::move(image.value());
  }
  const auto fail_on_input = [&](const Status& status) {
    return console.fail(Status(status.code(), fmt::format("{}: {}", in_name, status.message())));
  };
  // Only the model the stream (or the token file's sidecar) names loads, before the clock starts.
  auto chosen = from_tokens.empty() ? models->model_for_stream(bytes->data(), bytes->size())
                                    : models->model_for_tokens(tokens->model_fingerprint);
  if (!chosen.ok()) return fail_on_input(chosen.status());
  bsq::cli::note_model(console, models.value(), chosen.value());
  const bsq::Tokenizer& tokenizer = *models->model(chosen.value()).value();
  const std::string& model_path = models->path(chosen.value());

  bsq::cli::Stopwatch decode_time;
  auto decoded = [&] {
    bsq::cli::ProgressLine progress(console.program, "decoding", !console.quiet);
    return from_tokens.empty() ? models->decode(bytes->data(), bytes->size())
                               : models->decode(tokens->grid, tokens->model_fingerprint);
  }();
  const double decode_seconds = decode_time.seconds();
  if (!decoded.ok()) return fail_on_input(decoded.status());
  const bsq::Image& image = decoded->image;

  std::optional<double> psnr;
  if (reference) {
    if (reference->width != image.width || reference->height != image.height)
      return console.fail(Status(StatusCode::kInvalidArgument,
                                 fmt::format("--compare: '{}' is {}x{}, the decoded image {}x{}", compare,
                                             reference->width, reference->height, image.width, image.height)));
    auto value = bsq::psnr(image, *reference);
    if (!value.ok()) return console.fail(value.status());
    psnr = value.value();
  }
  // Written only after everything else succeeded, so a failed comparison leaves no file either.
  Status written = out->name_target(bsq::media::write_image(image, out->write_path()));
  if (written.ok()) written = out->commit();
  if (!written.ok()) return console.fail(written);

  const double bpp = 8.0 * static_cast<double>(bytes->size()) / (static_cast<double>(image.width) * image.height);
  const bsq::TokenGrid& g = tokens->grid;
  const std::string coded = from_tokens.empty()
                                ? fmt::format("{} bytes, {:.4f} bpp", bytes->size(), bpp)
                                : fmt::format("{}x{}x{} tokens of {} bits", g.frames, g.rows, g.cols, g.bits);
  console.note(fmt::format("decoded in {:.3f} s, {:.3f} s in all", decode_seconds, total.seconds()));
  if (o.json) {
    bsq::cli::JsonObject json;
    json.add("input", in_name).add("output", bsq::cli::display_name(o.output, "<stdout>"));
    json.add("width", image.width).add("height", image.height);
    if (from_tokens.empty())
      json.add("bytes", bytes->size()).add("bpp", bpp);
    else
      json.add_raw("grid", fmt::format("[{},{},{}]", g.frames, g.rows, g.cols)).add("bits", g.bits);
    json.add("seconds", decode_seconds).add("total_seconds", total.seconds());
    json.add("model", model_path).add("device", tokenizer.device()).add("precision", tokenizer.precision());
    if (psnr) json.add("reference", compare).add("psnr", *psnr);  // null when identical (infinite)
    fmt::print(out->is_stdout() ? stderr : stdout, "{}\n", json.str());
  } else if (!console.quiet) {
    const std::string quality = psnr ? fmt::format(", PSNR {:.2f} dB against {}", *psnr, compare) : "";
    fmt::print(stderr, "bsqdec: {} -> {} ({}x{}): {}, {:.2f} s{}\n", in_name,
               bsq::cli::display_name(o.output, "<stdout>"), image.width, image.height, coded, decode_seconds, quality);
  }
  return 0;
}

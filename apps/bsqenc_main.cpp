// bsqenc: encodes an image or a video file into a .bsq stream. Parses options, calls the library, reports.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "bsq/limits.h"
#include "bsq/video.h"
#include "cli_common.h"
#include "encode_clip.h"
#include "input_kind.h"
#include "media/image_io.h"
#include "output_file.h"
#include "progress_line.h"
#include "token_file.h"

namespace {

using bsq::Status;
using bsq::StatusCode;
using bsq::cli::Console;

// The conversion to 8-bit RGB loses alpha and low-order bits; say so rather than lose them quietly.
void warn_about_source(const bsq::media::ReadInfo& info, const std::string& name, const Console& console) {
  if (info.had_alpha) console.warning(fmt::format("'{}' has an alpha channel; it was dropped", name));
  if (info.source_bits > 8)
    console.warning(fmt::format("'{}' has {}-bit samples; they were reduced to 8 bits", name, info.source_bits));
}

// OUTPUT, FILE.npy and FILE.json must be three files: otherwise one rename would replace another.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

}  // namespace

int main(int argc, char** argv) {
  Console console{"bsqenc"};
  bsq::cli::CommonOptions o;
  int quality = bsq::kDefaultQuality;
  int effort = bsq::kDefaultEffort;
  bool uniform_bits = false;
  bool no_residual = false;
  bool no_filter = false;
  std::string tokens;
  bsq::cli::EncodeClipRequest clip;
  CLI::App app{
      "bsqenc: encodes an image (PNG, JPEG, WebP, BMP, TIFF, PPM, ...: any still image FFmpeg reads)\n"
      "or a video (mp4, mkv, webm, avi, mov, y4m, ...: any clip FFmpeg reads) into a .bsq stream.\n"
      "INPUT and OUTPUT may be - for stdin and stdout (a video on stdin: y4m, mkv, nut or ts)."};
  app.set_version_flag("--version", "bsqenc " BSQ_VERSION);
  app.add_option("INPUT", o.input, "Image or video to encode (- reads stdin)")->required();
  app.add_option("OUTPUT", o.output, "Stream to write (- writes stdout); optional with --tokens");
  app.add_option("--tokens", tokens,
                 "Also write the token grid: FILE.npy (NumPy uint64, frames x rows x cols) and FILE.json beside it "
                 "(bits, model fingerprint, image size)");
  bsq::cli::add_model_options(app, o);
  auto* quality_option =
      app.add_option("-q,--quality", quality, "Quality 0..100: the rate, from the model set's lowest to its highest")
          ->capture_default_str()
          ->check(CLI::Range(0, 100));
  app.add_option("-e,--effort", effort,
                 "Encoder effort 1..9: more encoding time for a higher PSNR at about the same size (1: the encoder "
                 "network alone; the stream decodes alike whatever the effort)")
      ->capture_default_str()
      ->check(CLI::Range(bsq::kMinEffort, bsq::kMaxEffort));
  app.add_flag("--uniform-bits", uniform_bits,
               "Image: the quality's bits in every window, as effort 1 keeps them (implied by --tokens); by "
               "default, above effort 1, windows that need more bits take them from those that need fewer");
  app.add_flag("--no-residual", no_residual,
               fmt::format("Image: the quality's own tokens alone at every quality, no residual layer (implied by "
                           "--tokens); by default, from -q {} up, low-rate tokens and a residual layer of 8x8 "
                           "transform coefficients",
                           bsq::kResidualQuality));
  app.add_flag("--no-filter", no_filter,
               "Image: no restoration filter (implied by --tokens); by default the encoder fits a linear filter "
               "to the decoded picture and the stream carries it when it is worth its bits");
  auto* keyint_option =
      app.add_option("--keyint", clip.keyint,
                     "Video: frames per GOP, each starting with a key frame (0: about 2 s at the clip's rate; "
                     "1: every frame a key frame)")
          ->capture_default_str()
          ->check(CLI::Range(0, bsq::kMaxKeyint));
  auto* start_option =
      app.add_option("--start", clip.range.start, "Video: code from this frame of INPUT (0: the first)")
          ->check(CLI::Range(int64_t{0}, int64_t{bsq::kMaxFrames}));
  auto* frames_option = app.add_option("--frames", clip.range.frames, "Video: code at most this many frames")
                            ->check(CLI::Range(int64_t{1}, int64_t{bsq::kMaxFrames}));
  bsq::cli::add_report_options(app, o, console);
  if (const int rc = bsq::cli::parse_command_line(app, argc, argv, console); rc >= 0) return rc;

  // Everything that can be checked cheaply is, before the model loads and the encoder runs.
  const std::string sidecar = bsq::cli::token_sidecar_path(tokens);
  if (o.output.empty() && tokens.empty())
    return console.fail(
        Status(StatusCode::kInvalidArgument, "OUTPUT is required, unless --tokens is given (see --help)"));
  if (!tokens.empty() && !bsq::cli::is_token_array_path(tokens))
    return console.fail(Status(StatusCode::kInvalidArgument, fmt::format("--tokens '{}' must end in .npy", tokens)));
  if (!tokens.empty() && !o.output.empty() && (same_file(o.output, tokens) || same_file(o.output, sidecar)))
    return console.fail(
        Status(StatusCode::kInvalidArgument,
               fmt::format("OUTPUT '{}' is one of the --tokens files ({}, {})", o.output, tokens, sidecar)));
  auto models = bsq::cli::open_models(o);
  if (!models.ok()) return console.fail(models.status());
  std::optional<bsq::cli::OutputFile> out, token_out, sidecar_out;
  const std::pair<std::optional<bsq::cli::OutputFile>*, std::string> outputs[] = {
      {&out, o.output}, {&token_out, tokens}, {&sidecar_out, tokens.empty() ? std::string() : sidecar}};
  for (const auto& [file, path] : outputs) {
    if (path.empty()) continue;
    auto opened = bsq::cli::OutputFile::open(path, o.input, o.overwrite);
    if (!opened.ok()) return console.fail(opened.status());
    file->emplace(std::move(opened.value()));
  }
  // `layered`: a still image at a quality with a residual layer, whose step -q does set.
  const auto warn_single_rate = [&](bool layered) {
    const auto configs = models->configs();
    if (quality_option->count() > 0 && configs.size() == 1 && !configs[0].scalable() && !layered)
      console.warning(fmt::format("the model has a single rate ({} bits per token); -q {} changes nothing",
                                  configs[0].bits, quality));
  };

  // A video goes frame by frame through the video encoder; a still image as before.
  auto video = bsq::cli::open_if_video(o.input);
  if (!video.ok()) return console.fail(video.status());
  if (video->has_value()) {
    if (!tokens.empty())
      return console.fail(Status(StatusCode::kInvalidArgument, "--tokens is for still images; INPUT is a video"));
    warn_single_rate(false);
    clip.quality = quality;
    clip.effort = effort;
    return bsq::cli::encode_clip(video->value(), models.value(), *out, clip, o, console);
  }
  for (const auto* video_only : {keyint_option, start_option, frames_option})
    if (video_only->count() > 0)
      return console.fail(Status(StatusCode::kInvalidArgument,
                                 fmt::format("{} is for videos; '{}' is a still image", video_only->get_name(),
                                             bsq::cli::display_name(o.input, "<stdin>"))));

  const std::string in_name = bsq::cli::display_name(o.input, "<stdin>");
  bsq::cli::Stopwatch total;
  bsq::media::ReadInfo info;
  auto image = bsq::media::read_image(o.input, &info);
  if (!image.ok()) return console.fail(image.status());
  warn_about_source(info, in_name, console);
  console.note(fmt::format("{}: {}x{} {}, {}-bit{}", in_name, image->width, image->height, info.format,
                           info.source_bits, info.was_gray ? " gray" : ""));

  const bool residual_layer = !no_residual && tokens.empty();
  warn_single_rate(residual_layer && bsq::residual_step(quality) > 0);
  // Loaded before the clock starts: "seconds" is the codec's time, as a program that keeps its
  // models pays per image.
  if (auto loaded = models->model_for_image(quality, effort, residual_layer); !loaded.ok())
    return console.fail(loaded.status());

  bsq::cli::Stopwatch encode_time;
  auto coded = [&] {
    bsq::cli::ProgressLine progress(console.program, "encoding", !console.quiet);
    bsq::EncodeOptions options;
    options.quality = quality;
    options.effort = effort;
    // A token file holds one count of bits for the whole grid.
    options.per_window_bits = !uniform_bits && tokens.empty();
    // A token file holds the whole picture: its tokens decode to what the stream does.
    options.residual_layer = residual_layer;
    options.filter = !no_filter && tokens.empty();
    return models->encode(image.value(), options);
  }();
  const double encode_seconds = encode_time.seconds();
  if (!coded.ok()) return console.fail(coded.status());
  const std::vector<uint8_t>& stream = coded->stream;
  const bsq::TokenGrid& g = coded->tokens;
  // The model that coded it: above effort 1 the picture may have chosen it (bsq/quality.h, RateGap).
  bsq::cli::note_model(console, models.value(), coded->model);
  const bsq::Tokenizer& tokenizer = *models->model(coded->model).value();
  const std::string& model_path = models->path(coded->model);
  const bsq::ModelConfig& config = tokenizer.config();
  const int bits = g.bits;
  console.note(
      fmt::format("quality {}: model {}, {} of {} bits per token, {:.4f} bpp before entropy coding{}", quality,
                  model_path, bits, config.bits, static_cast<double>(bits) / (config.patch * config.patch),
                  coded->residual_step > 0 ? fmt::format(", residual step {:.2f}", coded->residual_step) : ""));
  Status written = out ? out->write(stream) : Status::Ok();
  if (written.ok() && token_out) written = token_out->write(bsq::cli::token_array_bytes(g));
  if (written.ok() && sidecar_out) {
    const std::string text = bsq::cli::token_sidecar_text(g, tokenizer.fingerprint(), config);
    written = sidecar_out->write(std::vector<uint8_t>(text.begin(), text.end()));
  }
  for (auto* file : {&out, &token_out, &sidecar_out})
    if (written.ok() && *file) written = (*file)->commit();
  if (!written.ok()) return console.fail(written);

  const auto pixels = static_cast<double>(image->width) * image->height;
  const size_t bytes = stream.size();
  const double bpp = 8.0 * static_cast<double>(bytes) / pixels;
  const std::string grid_text = fmt::format("{}x{}x{} tokens of {} bits", g.frames, g.rows, g.cols, g.bits);
  const bool to_stdout = out && out->is_stdout();
  console.note(fmt::format("encoded in {:.3f} s, {:.3f} s in all", encode_seconds, total.seconds()));
  if (o.json) {
    bsq::cli::JsonObject json;
    json.add("input", in_name);
    if (out)
      json.add("output", bsq::cli::display_name(o.output, "<stdout>"));
    else
      json.add_null("output");
    json.add("width", image->width).add("height", image->height);
    if (out) json.add("bytes", bytes).add("bpp", bpp);
    if (!tokens.empty())
      json.add("tokens", tokens)
          .add("tokens_info", sidecar)
          .add_raw("grid", fmt::format("[{},{},{}]", g.frames, g.rows, g.cols));
    json.add("quality", quality)
        .add("effort", effort)
        .add("bits", bits)
        .add("raw_bpp", static_cast<double>(bits) / (config.patch * config.patch))
        .add("seconds", encode_seconds)
        .add("total_seconds", total.seconds());
    json.add("source_format", info.format).add("source_bits", info.source_bits);
    json.add("gray", info.was_gray).add("alpha_dropped", info.had_alpha);
    json.add("model", model_path).add("device", tokenizer.device()).add("precision", tokenizer.precision());
    fmt::print(to_stdout ? stderr : stdout, "{}\n", json.str());
  } else if (!console.quiet && out) {
    fmt::print(stderr, "bsqenc: {} ({}x{}) -> {}: {} bytes, {:.4f} bpp{}, {:.2f} s\n", in_name, image->width,
               image->height, bsq::cli::display_name(o.output, "<stdout>"), bytes, bpp,
               tokens.empty() ? "" : fmt::format("; {} -> {}", grid_text, tokens), encode_seconds);
  } else if (!console.quiet) {
    fmt::print(stderr, "bsqenc: {} ({}x{}) -> {}: {}, {:.2f} s\n", in_name, image->width, image->height, tokens,
               grid_text, encode_seconds);
  }
  return 0;
}

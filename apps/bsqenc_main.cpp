// bsqenc: encodes an image file into a .bsq stream. Parses options, calls the library, reports.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "cli_common.h"
#include "media/image_io.h"
#include "output_file.h"
#include "progress_line.h"

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

}  // namespace

int main(int argc, char** argv) {
  Console console{"bsqenc"};
  bsq::cli::CommonOptions o;
  int quality = bsq::kDefaultQuality;
  CLI::App app{
      "bsqenc: encodes an image (PNG, JPEG, WebP, BMP, TIFF, PPM, ...: any still image FFmpeg reads)\n"
      "into a .bsq stream. INPUT and OUTPUT may be - for stdin and stdout."};
  app.set_version_flag("--version", "bsqenc " BSQ_VERSION);
  app.add_option("INPUT", o.input, "Image to encode (- reads stdin)")->required();
  app.add_option("OUTPUT", o.output, "Stream to write (- writes stdout)")->required();
  bsq::cli::add_model_options(app, o);
  auto* quality_option =
      app.add_option("-q,--quality", quality, "Quality 0..100: the rate, from the model set's lowest to its highest")
          ->capture_default_str()
          ->check(CLI::Range(0, 100));
  bsq::cli::add_report_options(app, o, console);
  if (const int rc = bsq::cli::parse_command_line(app, argc, argv, console); rc >= 0) return rc;

  // Everything that can be checked cheaply is, before the model loads and the encoder runs.
  auto model_paths = bsq::cli::find_models(o.models);
  if (!model_paths.ok()) return console.fail(model_paths.status());
  auto out = bsq::cli::OutputFile::open(o.output, o.input, o.overwrite);
  if (!out.ok()) return console.fail(out.status());

  const std::string in_name = bsq::cli::display_name(o.input, "<stdin>");
  bsq::cli::Stopwatch total;
  bsq::media::ReadInfo info;
  auto image = bsq::media::read_image(o.input, &info);
  if (!image.ok()) return console.fail(image.status());
  warn_about_source(info, in_name, console);
  console.note(fmt::format("{}: {}x{} {}, {}-bit{}", in_name, image->width, image->height, info.format,
                           info.source_bits, info.was_gray ? " gray" : ""));

  auto models = bsq::cli::read_models(model_paths.value());
  if (!models.ok()) return console.fail(models.status());
  const auto configs = models->configs();
  if (quality_option->count() > 0 && configs.size() == 1 && !configs[0].scalable())
    console.warning(fmt::format("the model has a single rate ({} bits per token); -q {} changes nothing",
                                configs[0].bits, quality));
  const bsq::OperatingPoint point = bsq::operating_point(configs, quality);
  auto opened = models->open(point.model, o, console);
  if (!opened.ok()) return console.fail(opened.status());
  const bsq::Tokenizer& tokenizer = opened.value();
  const std::string& model_path = models->paths[point.model];
  const bsq::ModelConfig& config = tokenizer.config();
  const int bits = point.bits;
  console.note(fmt::format("quality {}: model {}, {} of {} bits per token, {:.4f} bpp before entropy coding", quality,
                           model_path, bits, config.bits, static_cast<double>(bits) / (config.patch * config.patch)));

  bsq::cli::Stopwatch encode_time;
  auto stream = [&] {
    bsq::cli::ProgressLine progress(console.program, "encoding", !console.quiet);
    return bsq::encode_image(tokenizer, image.value(), {quality, bits});
  }();
  const double encode_seconds = encode_time.seconds();
  if (!stream.ok()) return console.fail(stream.status());
  Status written = out->write(stream.value());
  if (written.ok()) written = out->commit();
  if (!written.ok()) return console.fail(written);

  const auto pixels = static_cast<double>(image->width) * image->height;
  const size_t bytes = stream->size();
  const double bpp = 8.0 * static_cast<double>(bytes) / pixels;
  console.note(fmt::format("encoded in {:.3f} s, {:.3f} s in all", encode_seconds, total.seconds()));
  if (o.json) {
    bsq::cli::JsonObject json;
    json.add("input", in_name).add("output", bsq::cli::display_name(o.output, "<stdout>"));
    json.add("width", image->width).add("height", image->height).add("bytes", bytes).add("bpp", bpp);
    json.add("quality", quality)
        .add("bits", bits)
        .add("raw_bpp", static_cast<double>(bits) / (config.patch * config.patch))
        .add("seconds", encode_seconds)
        .add("total_seconds", total.seconds());
    json.add("source_format", info.format).add("source_bits", info.source_bits);
    json.add("gray", info.was_gray).add("alpha_dropped", info.had_alpha);
    json.add("model", model_path).add("device", tokenizer.device()).add("precision", tokenizer.precision());
    fmt::print(out->is_stdout() ? stderr : stdout, "{}\n", json.str());
  } else if (!console.quiet) {
    fmt::print(stderr, "bsqenc: {} ({}x{}) -> {}: {} bytes, {:.4f} bpp, {:.2f} s\n", in_name, image->width,
               image->height, bsq::cli::display_name(o.output, "<stdout>"), bytes, bpp, encode_seconds);
  }
  return 0;
}

// One-line messages, option parsing, model lookup and JSON for the bsq command lines.
#include "cli_common.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace bsq::cli {
namespace fs = std::filesystem;

int Console::fail(const Status& status) const {
  std::string text = status.message().empty() ? std::string("failed") : status.message();
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';  // one line, whatever a dependency said
  fmt::print(stderr, "{}: {}\n", program, text);
  return exit_code(status.code());
}

void Console::warning(std::string_view text) const {
  if (!quiet) fmt::print(stderr, "{}: warning: {}\n", program, text);
}

void Console::note(std::string_view text) const {
  if (verbose) fmt::print(stderr, "{}: {}\n", program, text);
}

void add_model_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--model", options.models,
                 "Model file; repeat it for a set of models (default: $BSQ_MODEL, else the installed set)")
      ->allow_extra_args(false);
  app.add_option("--threads", options.threads, "Compute threads (0: all hardware threads)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--precision", options.precision,
                 "Network arithmetic: auto (bfloat16 where the CPU has it natively), float32 or bfloat16")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Precision>(std::begin(kPrecisionNames), std::end(kPrecisionNames))))
      ->default_str("auto");
  app.add_option("--max-pixels", options.max_pixels,
                 fmt::format("Refuse pictures of more pixels, streams as soon as their header says so (default {})",
                             kMaxPixels))
      ->check(CLI::Range(uint64_t{1}, kMaxPixels));
}

void add_report_options(CLI::App& app, CommonOptions& options, Console& console) {
  app.add_flag("--json", options.json, "Print statistics as one JSON line on stdout (on stderr when OUTPUT is -)");
  app.add_flag("-y,--overwrite", options.overwrite, "Replace OUTPUT if it exists");
  app.add_flag("--quiet", console.quiet, "Print errors only (and --json)");
  app.add_flag("-v,--verbose", console.verbose, "Also print the model, the device and the time of each step");
}

int parse_command_line(CLI::App& app, int argc, char** argv, const Console& console) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return console.fail(Status(StatusCode::kInvalidArgument, fmt::format("{} (see --help)", e.what())));
  }
  if (console.quiet && console.verbose)
    return console.fail(Status(StatusCode::kInvalidArgument, "--quiet and --verbose exclude each other"));
  return -1;
}

StatusOr<std::vector<std::string>> find_models(const std::vector<std::string>& option) {
  std::vector<std::string> places;
  std::error_code ec;
  // Relative to the binary, so an installed tree works wherever its prefix is moved.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) places.push_back((exe.parent_path() / BSQ_MODEL_DIR_FROM_BINARY).lexically_normal().string());
  places.emplace_back(BSQ_SOURCE_MODEL_DIR);  // a build tree used in place
  return find_models(option, places);
}

StatusOr<ModelSet> open_models(const CommonOptions& options) {
  auto paths = find_models(options.models);
  if (!paths.ok()) return paths.status();
  RuntimeOptions runtime;
  runtime.threads = options.threads;
  runtime.precision = options.precision;
  runtime.max_pixels = options.max_pixels;
  return ModelSet::open(paths.value(), runtime);
}

void note_model(const Console& console, const ModelSet& models, size_t i) {
  if (!console.verbose) return;
  auto tokenizer = models.model(i);
  if (!tokenizer.ok()) return;
  const Tokenizer& t = *tokenizer.value();
  const ModelConfig& c = t.config();
  const std::string bits = c.scalable() ? fmt::format("{} to {}", c.lowest_bits(), c.bits) : fmt::format("{}", c.bits);
  console.note(
      fmt::format("model {} (fingerprint {:016x}): {}-pixel patches, {} bits per token ({} bpp raw), on {} in {}",
                  models.path(i), t.fingerprint(), c.patch, bits, c.raw_bpp(), t.device(), t.precision()));
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += ch;  // bytes >= 0x80 pass through: UTF-8 stays UTF-8
    }
  }
  return out + "\"";
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

JsonObject& JsonObject::add(std::string_view key, std::string_view value) { return add_raw(key, json_string(value)); }

JsonObject& JsonObject::add(std::string_view key, double value) {
  // JSON has no infinity: PSNR of identical images is reported as null.
  return add_raw(key, std::isfinite(value) ? fmt::format("{}", value) : std::string("null"));
}

JsonObject& JsonObject::add(std::string_view key, bool value) { return add_raw(key, value ? "true" : "false"); }

JsonObject& JsonObject::add_raw(std::string_view key, std::string json) {
  fields_.emplace_back(std::string(key), std::move(json));
  return *this;
}

std::string JsonObject::str() const {
  std::string out = "{";
  for (size_t i = 0; i < fields_.size(); ++i)
    out += fmt::format("{}{}:{}", i ? "," : "", json_string(fields_[i].first), fields_[i].second);
  return out + "}";
}

}  // namespace bsq::cli

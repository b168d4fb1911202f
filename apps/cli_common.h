// Plumbing shared by bsqenc and bsqdec: messages (with the exit codes of bsq/exit_codes.h), option parsing, model
// lookup, JSON.
//
// Every message goes to stderr as one line "PROGRAM: text", so scripts can show it as is.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "bsq/exit_codes.h"
#include "bsq/model_set.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"
#include "model_paths.h"

namespace bsq::cli {

// Messages on stderr for one program run.
struct Console {
  std::string program;   // "bsqenc"
  bool quiet = false;    // --quiet: errors only
  bool verbose = false;  // -v: also what was done, with which model, and how long it took

  int fail(const Status& status) const;       // prints the error, returns its exit code
  void warning(std::string_view text) const;  // unless quiet
  void note(std::string_view text) const;     // only when verbose
};

// What bsqenc and bsqdec both take.
struct CommonOptions {
  std::string input, output;
  std::vector<std::string> models;  // --model, once per model of the set
  int threads = 0;
  Precision precision = Precision::kAuto;
  uint64_t max_pixels = 0;  // 0: the library's limit
  bool json = false;
  bool overwrite = false;
};
// --model, --threads, --precision and --max-pixels.
void add_model_options(CLI::App& app, CommonOptions& options);
// --json, -y/--overwrite, --quiet and -v/--verbose.
void add_report_options(CLI::App& app, CommonOptions& options, Console& console);

// Parses argv. Returns -1 to go on, otherwise the exit code for --help, --version or a usage error
// (reported as one line, as every other error).
int parse_command_line(CLI::App& app, int argc, char** argv, const Console& console);

// The models to use: --model (repeatable), else $BSQ_MODEL (paths separated by ':'), else the
// shipped set in <binary>/../share/bsq/models, else in the source tree's models/. kIoError naming
// the places looked at when none holds the whole set.
StatusOr<std::vector<std::string>> find_models(const std::vector<std::string>& option);

// find_models(), then the set's headers (so a missing or foreign file fails before any work is
// done), with --threads, --precision and --max-pixels for the models it loads.
StatusOr<ModelSet> open_models(const CommonOptions& options);

// With -v: which model ran, where and in which arithmetic.
void note_model(const Console& console, const ModelSet& models, size_t i);

// A path for messages: "-" becomes stdio_name ("<stdin>", "<stdout>").
inline std::string display_name(const std::string& path, const char* stdio_name) {
  return path == "-" ? std::string(stdio_name) : path;
}

// One JSON object on one line, keys in insertion order. Non-finite numbers become null.
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  JsonObject& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
  JsonObject& add(std::string_view key, double value);
  JsonObject& add(std::string_view key, bool value);
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  JsonObject& add(std::string_view key, T value) {
    return add_raw(key, std::to_string(value));
  }
  JsonObject& add_null(std::string_view key) { return add_raw(key, "null"); }
  JsonObject& add_raw(std::string_view key, std::string json);  // an already formatted value
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string json_string(std::string_view text);  // quoted and escaped
std::string json_array(const std::vector<std::string>& items);

// Wall-clock time of one step, for -v and --json.
struct Stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
};

}  // namespace bsq::cli

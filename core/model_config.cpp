// ModelConfig validation and its "key=value" text form, stored inside model files.
#include "bsq/model_config.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

namespace bsq {
namespace {

// Every field with its name, so text form and parser cannot drift apart.
template <typename Config, typename Fn>
void for_each_field(Config& c, Fn&& fn) {
  fn("patch", c.patch);
  fn("width", c.width);
  fn("encoder_depth", c.encoder_depth);
  fn("decoder_depth", c.decoder_depth);
  fn("heads", c.heads);
  fn("bits", c.bits);
  fn("window", c.window);
  fn("stem_channels", c.stem_channels);
  fn("max_frames", c.max_frames);
  fn("mlp_ratio", c.mlp_ratio);
}

constexpr const char* kMinBitsKey = "min_bits";

Status invalid(const std::string& what) { return {StatusCode::kInvalidArgument, "model config: " + what}; }

}  // namespace

Status ModelConfig::validate() const {
  // The stem halves the resolution log2(patch) times, so patch must be a power of two >= 2.
  if (patch < 2 || patch > 32 || (patch & (patch - 1)) != 0) return invalid("patch must be 2, 4, 8, 16 or 32");
  if (width < 8 || width > 4096) return invalid("width must be in 8..4096");
  if (heads < 1 || width % heads != 0) return invalid("heads must divide width");
  if (encoder_depth < 0 || encoder_depth > 64 || decoder_depth < 0 || decoder_depth > 64)
    return invalid("depths must be in 0..64");
  if (bits < 1 || bits > 64) return invalid("bits must be in 1..64 (a token is stored in 64 bits)");
  if (window < 1 || window > 64) return invalid("window must be in 1..64");
  if (stem_channels < 4 || stem_channels > 1024) return invalid("stem_channels must be in 4..1024");
  if (max_frames < 1 || max_frames > 1024) return invalid("max_frames must be in 1..1024");
  if (mlp_ratio < 1 || mlp_ratio > 16) return invalid("mlp_ratio must be in 1..16");
  if (min_bits < 0 || min_bits > bits) return invalid("min_bits must be in 0..bits");
  return Status::Ok();
}

std::string ModelConfig::to_text() const {
  std::string out;
  for_each_field(*this, [&](const char* name, int value) { out += fmt::format("{}={}\n", name, value); });
  // Optional key, written only when set: fixed-rate models keep the text (and the checkpoint
  // ids derived from it) they had before nested bits existed.
  if (min_bits > 0) out += fmt::format("{}={}\n", kMinBitsKey, min_bits);
  return out;
}

StatusOr<ModelConfig> ModelConfig::from_text(const std::string& text) {
  std::map<std::string, long> values;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) return invalid(fmt::format("malformed line '{}'", line));
    try {
      size_t used = 0;
      const std::string number = line.substr(eq + 1);
      values[line.substr(0, eq)] = std::stol(number, &used);
      if (used != number.size()) throw std::invalid_argument(number);
    } catch (const std::exception&) {
      return invalid(fmt::format("'{}' is not an integer", line));
    }
  }
  ModelConfig config;
  if (auto it = values.find(kMinBitsKey); it != values.end()) {
    if (it->second < 0 || it->second > 64) return invalid("'min_bits' out of range");
    config.min_bits = static_cast<int>(it->second);
    values.erase(it);
  }
  Status status;
  for_each_field(config, [&](const char* name, int& field) {
    auto it = values.find(name);
    if (it == values.end()) {
      if (status.ok()) status = invalid(fmt::format("missing '{}'", name));
      return;
    }
    if (it->second < -1000000 || it->second > 1000000) {
      if (status.ok()) status = invalid(fmt::format("'{}' out of range", name));
      return;
    }
    field = static_cast<int>(it->second);
    values.erase(it);
  });
  BSQ_RETURN_IF_ERROR(status);
  if (!values.empty()) return invalid(fmt::format("unknown key '{}'", values.begin()->first));
  BSQ_RETURN_IF_ERROR(config.validate());
  return config;
}

}  // namespace bsq

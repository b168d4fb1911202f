// Token array (.npy) and sidecar (.json) in and out of bsq::TokenGrid.
#include "token_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <limits>

#include "cli_common.h"
#include "flat_json.h"
#include "media/image_io.h"
#include "npy_array.h"

namespace bsq::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kArrayExtension = ".npy";
constexpr const char* kFormat = "bsq-tokens";
constexpr int64_t kVersion = 1;

// An integer field of the sidecar within [low, high]; `required` fields must be there.
StatusOr<int64_t> integer_field(const std::map<std::string, JsonScalar>& fields, const std::string& key, int64_t low,
                                int64_t high, bool required) {
  const auto it = fields.find(key);
  if (it == fields.end()) {
    if (required) return Status(StatusCode::kInvalidData, fmt::format("no \"{}\"", key));
    return int64_t{0};
  }
  if (it->second.kind != JsonScalar::Kind::kInteger || it->second.integer < low || it->second.integer > high)
    return Status(StatusCode::kInvalidData, fmt::format("\"{}\" must be an integer from {} to {}", key, low, high));
  return it->second.integer;
}

StatusOr<std::string> string_field(const std::map<std::string, JsonScalar>& fields, const std::string& key) {
  const auto it = fields.find(key);
  if (it == fields.end() || it->second.kind != JsonScalar::Kind::kString)
    return Status(StatusCode::kInvalidData, fmt::format("\"{}\" must be a string", key));
  return it->second.text;
}

StatusOr<uint64_t> parse_fingerprint(const std::string& hex) {
  uint64_t v = 0;
  if (hex.size() != 16) return Status(StatusCode::kInvalidData, "\"model_fingerprint\" must be 16 hexadecimal digits");
  for (const char c : hex) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return Status(StatusCode::kInvalidData, "\"model_fingerprint\" must be 16 hexadecimal digits");
    v = v << 4 | static_cast<uint64_t>(digit);
  }
  return v;
}

// The sidecar's fields, validated one by one.
Status read_sidecar(const std::string& text, TokenFile* out) {
  auto fields = parse_flat_json(text);
  if (!fields.ok()) return fields.status();
  auto format = string_field(fields.value(), "format");
  if (!format.ok()) return format.status();
  if (format.value() != kFormat)
    return Status(StatusCode::kInvalidData, fmt::format("\"format\" is not \"{}\"", kFormat));
  auto version = integer_field(fields.value(), "version", 0, std::numeric_limits<int32_t>::max(), true);
  if (!version.ok()) return version.status();
  if (version.value() != kVersion)
    return Status(StatusCode::kUnsupported,
                  fmt::format("token sidecar version {} (this program reads {})", version.value(), kVersion));
  auto fingerprint = string_field(fields.value(), "model_fingerprint");
  if (!fingerprint.ok()) return fingerprint.status();
  auto parsed = parse_fingerprint(fingerprint.value());
  if (!parsed.ok()) return parsed.status();
  out->model_fingerprint = parsed.value();

  auto bits = integer_field(fields.value(), "bits", 1, 64, true);
  auto width = integer_field(fields.value(), "width", 1, media::kMaxImageSide, true);
  auto height = integer_field(fields.value(), "height", 1, media::kMaxImageSide, true);
  auto patch = integer_field(fields.value(), "patch", 1, media::kMaxImageSide, false);
  for (const auto* field : {&bits, &width, &height, &patch})
    if (!field->ok()) return field->status();
  out->grid.bits = static_cast<int>(bits.value());
  out->grid.width = static_cast<int>(width.value());
  out->grid.height = static_cast<int>(height.value());
  out->grid.patch = static_cast<int>(patch.value());
  return Status::Ok();
}

StatusOr<std::vector<uint8_t>> read_bytes(const std::string& path) {
  auto bytes = media::read_input_bytes(path);
  if (!bytes.ok())
    return Status(bytes.status().code(), fmt::format("cannot read '{}': {}", path, bytes.status().message()));
  return bytes;
}

Status in_file(const std::string& path, const Status& status) {
  return Status(status.code(), fmt::format("{}: {}", path, status.message()));
}

}  // namespace

bool is_token_array_path(const std::string& path) {
  return path.size() > kArrayExtension.size() &&
         path.compare(path.size() - kArrayExtension.size(), kArrayExtension.size(), kArrayExtension) == 0;
}

std::string token_sidecar_path(const std::string& npy_path) {
  const std::string stem =
      is_token_array_path(npy_path) ? npy_path.substr(0, npy_path.size() - kArrayExtension.size()) : npy_path;
  return stem + ".json";
}

std::vector<uint8_t> token_array_bytes(const TokenGrid& grid) {
  const auto dim = [](int n) { return static_cast<uint64_t>(n); };
  return npy::write_u64({dim(grid.frames), dim(grid.rows), dim(grid.cols)}, grid.codes);
}

std::string token_sidecar_text(const TokenGrid& grid, uint64_t model_fingerprint, const ModelConfig& config) {
  JsonObject json;
  json.add("format", kFormat).add("version", kVersion);
  json.add("model_fingerprint", fmt::format("{:016x}", model_fingerprint));
  json.add("patch", config.patch).add("bits", grid.bits).add("width", grid.width).add("height", grid.height);
  return json.str() + "\n";
}

StatusOr<TokenFile> read_token_file(const std::string& npy_path) {
  const std::string sidecar = token_sidecar_path(npy_path);
  auto array_bytes = read_bytes(npy_path);
  if (!array_bytes.ok()) return array_bytes.status();
  // The sidecar is small; refuse a large file before reading it whole.
  std::error_code ec;
  if (const auto size = fs::file_size(sidecar, ec); !ec && size > kMaxFlatJsonBytes)
    return Status(StatusCode::kInvalidData,
                  fmt::format("{}: {} bytes; a token sidecar is a small JSON object", sidecar, size));
  auto sidecar_bytes = read_bytes(sidecar);
  if (!sidecar_bytes.ok()) return sidecar_bytes.status();

  TokenFile file;
  const Status fields = read_sidecar(std::string(sidecar_bytes->begin(), sidecar_bytes->end()), &file);
  if (!fields.ok()) return in_file(sidecar, fields);
  auto array = npy::read(array_bytes->data(), array_bytes->size());
  if (!array.ok()) return in_file(npy_path, array.status());
  const auto& shape = array->shape;
  if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
    return in_file(npy_path,
                   Status(StatusCode::kInvalidData, "the array must have shape (frames, rows, cols), none of them 0"));
  // Each dimension is at most npy::kMaxElements (2^26), so the casts are exact.
  file.grid.frames = static_cast<int>(shape[0]);
  file.grid.rows = static_cast<int>(shape[1]);
  file.grid.cols = static_cast<int>(shape[2]);
  file.grid.codes = std::move(array->values);
  return file;
}

}  // namespace bsq::cli

// Reading files and stdin into memory with a size cap, so no input can make us allocate without bound.
#include "input_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "image_io.h"

namespace bsq::media::detail {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Status too_large() {
  return Status(StatusCode::kUnsupported,
                "input is larger than the " + std::to_string(kMaxInputBytes >> 20) + " MiB limit");
}

// Reads until EOF; `expected` (0 if unknown) only sizes the first allocation.
StatusOr<std::vector<uint8_t>> read_stream(std::FILE* file, uintmax_t expected) {
  std::vector<uint8_t> bytes;
  if (expected > kMaxInputBytes) return too_large();
  bytes.reserve(static_cast<size_t>(expected) + 1);  // +1: EOF is seen without a regrow
  while (true) {
    const size_t have = bytes.size();
    if (have > kMaxInputBytes) return too_large();
    bytes.resize(have + kChunkBytes);
    const size_t got = std::fread(bytes.data() + have, 1, kChunkBytes, file);
    bytes.resize(have + got);
    if (got < kChunkBytes) break;
  }
  if (std::ferror(file)) return Status(StatusCode::kIoError, std::strerror(errno));
  if (bytes.size() > kMaxInputBytes) return too_large();
  return StatusOr<std::vector<uint8_t>>(std::move(bytes));
}

}  // namespace

StatusOr<std::vector<uint8_t>> read_file_bytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // fopen succeeds on a directory on Linux and only fread fails; say what it is instead.
  if (fs::is_directory(path, ec)) return Status(StatusCode::kIoError, "is a directory");
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return Status(StatusCode::kIoError, std::strerror(errno));
  const uintmax_t size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  return read_stream(file.get(), ec ? 0 : size);
}

StatusOr<std::vector<uint8_t>> read_stdin_bytes() { return read_stream(stdin, 0); }

}  // namespace bsq::media::detail

namespace bsq::media {

StatusOr<std::vector<uint8_t>> read_input_bytes(const std::string& path) {
  return path == "-" ? detail::read_stdin_bytes() : detail::read_file_bytes(path);
}

}  // namespace bsq::media

// Where a ChunkReader's bytes come from: a file or stdin (FILE*), or a buffer in memory.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "container_stream.h"

namespace bsq::bitstream {
namespace {

Status io_error(const std::string& what, const std::string& path, int err) {
  return {StatusCode::kIoError, fmt::format("{} {}: {}", what, path, std::strerror(err))};
}

class FileSource final : public ByteSource {
 public:
  FileSource(std::FILE* file, bool owned, std::string path, bool seekable, uint64_t size)
      : file_(file), owned_(owned), path_(std::move(path)), seekable_(seekable), size_(size) {}
  ~FileSource() override {
    if (owned_) std::fclose(file_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  StatusOr<size_t> read(uint8_t* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_)) return io_error("cannot read", path_, errno);
    position_ += got;
    return got;
  }
  bool seekable() const override { return seekable_; }
  uint64_t size() const override { return size_; }
  Status seek(uint64_t offset) override {
    if (!seekable_) return {StatusCode::kUnsupported, fmt::format("cannot seek in {}: not a regular file", path_)};
    if (offset > size_ || fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0)
      return {StatusCode::kIoError, fmt::format("cannot seek to byte {} in {}", offset, path_)};
    position_ = offset;
    return Status::Ok();
  }
  uint64_t position() const override { return position_; }

 private:
  std::FILE* file_;
  bool owned_;
  std::string path_;
  bool seekable_;
  uint64_t size_;
  uint64_t position_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  StatusOr<size_t> read(uint8_t* dst, size_t n) override {
    const size_t got = std::min(n, size_ - position_);
    if (got > 0) std::memcpy(dst, data_ + position_, got);
    position_ += got;
    return got;
  }
  bool seekable() const override { return true; }
  uint64_t size() const override { return size_; }
  Status seek(uint64_t offset) override {
    if (offset > size_)
      return {StatusCode::kInvalidArgument, fmt::format("cannot seek to byte {} of {}", offset, size_)};
    position_ = static_cast<size_t>(offset);
    return Status::Ok();
  }
  uint64_t position() const override { return position_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<ByteSource>> open_file_source(const std::string& path) {
  // stdin is read as a stream even when redirected from a file: its start need not be offset 0.
  if (path == "-") return std::unique_ptr<ByteSource>(std::make_unique<FileSource>(stdin, false, "stdin", false, 0));
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return io_error("cannot open", path, errno);
  struct stat st {};
  if (fstat(fileno(file), &st) != 0) {
    const int err = errno;
    std::fclose(file);
    return io_error("cannot stat", path, err);
  }
  // A regular file knows its size and can seek; a FIFO or a device is read front to back.
  const bool regular = S_ISREG(st.st_mode);
  return std::unique_ptr<ByteSource>(
      std::make_unique<FileSource>(file, true, path, regular, regular ? static_cast<uint64_t>(st.st_size) : 0));
}

std::unique_ptr<ByteSource> memory_source(const uint8_t* data, size_t size) {
  return std::make_unique<MemorySource>(data, data == nullptr ? 0 : size);
}

}  // namespace bsq::bitstream

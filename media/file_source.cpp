// FileSource: stdio reads and seeks behind FFmpeg's AVIOContext callbacks.
#include "file_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace bsq::media::detail {
namespace {

// Large enough that a 4K y4m frame is a few dozen reads; the demuxer's own buffering is on top.
constexpr int kIoBufferBytes = 256 * 1024;

}  // namespace

FileSource::~FileSource() {
  io_.reset();  // before the file: the context may still reference it
  if (owns_file_ && file_) std::fclose(file_);
}

Status FileSource::open(const std::string& path) {
  if (path == "-") {
    file_ = stdin;
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status(StatusCode::kIoError, std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return Status(StatusCode::kIoError, "is a directory");
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) return Status(StatusCode::kIoError, std::strerror(errno));
    owns_file_ = true;
    if (S_ISREG(st.st_mode)) size_ = static_cast<int64_t>(st.st_size);
  }
  if (size_ == 0) return Status(StatusCode::kInvalidData, "file is empty");

  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  if (!buffer) return Status(StatusCode::kInternal, "out of memory");
  // No seek callback on a pipe: demuxers then know they must read forward only.
  io_.reset(avio_alloc_context(buffer, kIoBufferBytes, 0, this, &FileSource::read, nullptr,
                               size_ >= 0 ? &FileSource::seek : nullptr));
  if (!io_) {
    av_free(buffer);
    return Status(StatusCode::kInternal, "out of memory");
  }
  return Status::Ok();
}

int FileSource::read(void* opaque, uint8_t* buf, int buf_size) {
  auto* self = static_cast<FileSource*>(opaque);
  const size_t got = std::fread(buf, 1, static_cast<size_t>(buf_size > 0 ? buf_size : 0), self->file_);
  if (got > 0) return static_cast<int>(got);
  if (std::ferror(self->file_)) return AVERROR(errno ? errno : EIO);
  return AVERROR_EOF;
}

int64_t FileSource::seek(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<FileSource*>(opaque);
  if (whence & AVSEEK_SIZE) return self->size_;
  whence &= ~AVSEEK_FORCE;
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return AVERROR(EINVAL);
  if (fseeko(self->file_, static_cast<off_t>(offset), whence) != 0) return AVERROR(errno);
  std::clearerr(self->file_);
  return static_cast<int64_t>(ftello(self->file_));
}

}  // namespace bsq::media::detail

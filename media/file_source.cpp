// FileSource: read(2) and lseek(2) behind FFmpeg's AVIOContext callbacks. Plain reads rather than stdio:
// on a pipe, read() returns what has arrived, so a live producer (ffmpeg | bsqenc -) is not held up
// until a whole buffer fills.
#include "file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bsq::media::detail {
namespace {

// Large enough that a 4K y4m frame is a few dozen reads; the demuxer's own buffering is on top.
constexpr int kIoBufferBytes = 256 * 1024;

}  // namespace

FileSource::~FileSource() {
  io_.reset();  // before the file: the context may still reference it
  if (owns_fd_ && handle_.fd >= 0) ::close(handle_.fd);
}

Status FileSource::open(const std::string& path) {
  if (path == "-") {
    handle_.fd = STDIN_FILENO;
  } else {
    handle_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (handle_.fd < 0) return Status(StatusCode::kIoError, std::strerror(errno));
    owns_fd_ = true;
  }
  struct stat st {};
  if (::fstat(handle_.fd, &st) != 0) return Status(StatusCode::kIoError, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Status(StatusCode::kIoError, "is a directory");
  if (S_ISREG(st.st_mode)) handle_.size = static_cast<int64_t>(st.st_size);
  if (handle_.size == 0) return Status(StatusCode::kInvalidData, "file is empty");

  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  if (!buffer) return Status(StatusCode::kInternal, "out of memory");
  // No seek callback on a pipe: demuxers then know they must read forward only.
  io_.reset(avio_alloc_context(buffer, kIoBufferBytes, 0, &handle_, &FileSource::read, nullptr,
                               handle_.size >= 0 ? &FileSource::seek : nullptr));
  if (!io_) {
    av_free(buffer);
    return Status(StatusCode::kInternal, "out of memory");
  }
  return Status::Ok();
}

int FileSource::read(void* opaque, uint8_t* buf, int buf_size) {
  auto* self = static_cast<Handle*>(opaque);
  while (true) {
    const ssize_t got = ::read(self->fd, buf, static_cast<size_t>(buf_size > 0 ? buf_size : 0));
    if (got > 0) return static_cast<int>(got);
    if (got == 0) return AVERROR_EOF;
    if (errno != EINTR) return AVERROR(errno);
  }
}

int64_t FileSource::seek(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<Handle*>(opaque);
  if (whence & AVSEEK_SIZE) return self->size;
  whence &= ~AVSEEK_FORCE;
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return AVERROR(EINVAL);
  const off_t at = ::lseek(self->fd, static_cast<off_t>(offset), whence);
  return at < 0 ? AVERROR(errno) : static_cast<int64_t>(at);
}

}  // namespace bsq::media::detail

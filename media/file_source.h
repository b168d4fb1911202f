// A read-only AVIOContext over a file or stdin, so demuxers stream from it without FFmpeg opening
// any path itself (no protocol prefixes, no image-sequence patterns) and without the file in memory.
#pragma once

#include <cstdint>
#include <string>

#include "ffmpeg_util.h"

namespace bsq::media::detail {

class FileSource {
 public:
  FileSource() = default;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  ~FileSource();

  // path "-" is stdin (not seekable, not closed). The message of an error does not name the file.
  Status open(const std::string& path);

  // Valid after open(); owned by this object. Seekable when the file is a regular file.
  AVIOContext* io() const { return io_.get(); }
  // Size in bytes of a regular file, -1 for a pipe.
  int64_t size() const { return handle_.size; }

 private:
  static int read(void* opaque, uint8_t* buf, int buf_size);
  static int64_t seek(void* opaque, int64_t offset, int whence);

  // The AVIOContext's opaque. FFmpeg 5.1's option search (av_probe_input_buffer2 asks the context for
  // "mime_type") walks into the opaque as if it were an AVClass-based object, so it must start with a
  // null AVClass pointer, which ends that search.
  struct Handle {
    const AVClass* no_class = nullptr;
    int fd = -1;
    int64_t size = -1;
  };

  Handle handle_;
  bool owns_fd_ = false;
  CustomIoPtr io_;
};

}  // namespace bsq::media::detail

// Whole-or-nothing file replacement: temporary file, fsync, rename, fsync of the directory.
#include "atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace bsq {
namespace {

// write() until done (it may write less than asked), then fsync().
bool write_all_and_sync(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0;
}

}  // namespace

Status write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes, const std::string& what) {
  const std::string tmp = path + ".tmp";
  const auto failed = [&](const char* step) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return Status(StatusCode::kIoError, fmt::format("cannot {} {} '{}': {}", step, what, path, reason));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed("write");
  const bool written = write_all_and_sync(fd, bytes.data(), bytes.size());
  if (::close(fd) != 0 || !written) return failed("write");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return failed("replace");
  // The rename itself is durable only once the directory is on the disk too.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace bsq

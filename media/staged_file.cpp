// StagedFile: a new file beside the target, fsync, then rename (overwrite) or link (no overwrite, so
// that a file created by someone else between open and commit is never replaced).
#include "staged_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace bsq::media::detail {
namespace {

Status errno_status(const std::string& what) { return Status(StatusCode::kIoError, what + std::strerror(errno)); }

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A rename is durable only once the directory entry is on the disk too.
void sync_directory(const std::string& path) {
  const int fd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

StagedFile::~StagedFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status StagedFile::create(const std::string& path, bool overwrite) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status(StatusCode::kIoError, "is a directory");
    if (!overwrite) return Status(StatusCode::kIoError, "file exists (not overwriting it)");
  }
  // Not mkstemp: its 0600 would stay on the renamed file. 0666 less the umask is what a plain open gives.
  std::random_device random;
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), ".tmp-%08x", static_cast<unsigned>(random()));
    temp_ = path + suffix;
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    temp_.clear();
    return errno_status("cannot create a temporary file beside it: ");
  }
  path_ = path;
  overwrite_ = overwrite;
  return Status::Ok();
}

Status StagedFile::commit() {
  if (temp_.empty()) return Status(StatusCode::kInternal, "nothing to commit");
  if (::fsync(fd_) != 0) return errno_status("cannot flush to the disk: ");
  ::close(fd_);
  fd_ = -1;
  if (overwrite_) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return errno_status("cannot move into place: ");
  } else if (::link(temp_.c_str(), path_.c_str()) == 0) {
    ::unlink(temp_.c_str());
  } else if (errno == EEXIST) {
    return Status(StatusCode::kIoError, "file exists (not overwriting it)");
  } else {
    return errno_status("cannot move into place: ");
  }
  temp_.clear();
  sync_directory(path_);
  return Status::Ok();
}

}  // namespace bsq::media::detail

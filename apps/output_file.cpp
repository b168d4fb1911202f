// Atomic output: checks up front, a temporary file beside the target, rename on success, cleanup otherwise.
#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

namespace bsq::cli {
namespace fs = std::filesystem;
namespace {

// The temporary files a signal handler must delete: one per output of a program run (bsqenc
// --tokens writes three), so a few fixed slots.
constexpr int kSlots = 4;
char g_pending_path[kSlots][4096];
volatile std::sig_atomic_t g_pending[kSlots] = {};

extern "C" void remove_pending_and_die(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_pending[i]) unlink(g_pending_path[i]);  // async-signal-safe
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// The slot now holding `path`, or -1 when none is free (the file is then deleted on every exit but
// a signal).
int track_pending(const std::string& path) {
  if (path.size() >= sizeof g_pending_path[0]) return -1;  // mkstemps would have refused such a path anyway
  static const bool installed = [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, remove_pending_and_die);
    return true;
  }();
  (void)installed;
  for (int i = 0; i < kSlots; ++i) {
    if (g_pending[i]) continue;
    std::memcpy(g_pending_path[i], path.c_str(), path.size() + 1);
    g_pending[i] = 1;
    return i;
  }
  return -1;
}

void untrack_pending(int slot) {
  if (slot >= 0) g_pending[slot] = 0;
}

Status io_error(const std::string& path, int err) {
  return Status(StatusCode::kIoError, "cannot write '" + path + "': " + std::strerror(err));
}

// mode_t the way open(2) would give a new file: 0666 less the umask (which can only be read by setting it).
mode_t default_mode() {
  const mode_t mask = umask(022);
  umask(mask);
  return 0666 & ~mask;
}

// Creates an empty, unique file "DIR/.bsq-XXXXXX-NAME" and gives it `mode`.
StatusOr<std::string> make_temporary(const fs::path& dir, const std::string& name, mode_t mode,
                                     const std::string& target) {
  const std::string suffix = "-" + name;
  std::string pattern = (dir / (".bsq-XXXXXX" + suffix)).string();
  const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return io_error(target, errno);
  const int err = fchmod(fd, mode) == 0 ? 0 : errno;
  close(fd);
  if (err != 0) {
    unlink(pattern.c_str());
    return io_error(target, err);
  }
  return pattern;
}

// Writes all bytes to `path` ("-": stdout); errors name `name`, the file the user knows.
Status write_to(const std::string& path, const std::string& name, const std::vector<uint8_t>& bytes) {
  const bool to_stdout = path == "-";
  std::FILE* file = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) return io_error(name, errno);
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = std::fflush(file) == 0 && ok;  // errors such as ENOSPC often show only here
  int err = ok ? 0 : errno;
  if (!to_stdout && std::fclose(file) != 0 && ok) {
    ok = false;
    err = errno;
  }
  return ok ? Status::Ok() : io_error(name, err != 0 ? err : EIO);
}

}  // namespace

Status check_output_target(const std::string& path, const std::string& input, bool overwrite) {
  if (path.empty()) return Status(StatusCode::kInvalidArgument, "empty output file name");
  if (path == "-") {
    // Binary on a terminal garbles it and helps nobody (as zstd and cwebp refuse too).
    if (isatty(STDOUT_FILENO))
      return Status(StatusCode::kInvalidArgument,
                    "refusing to write binary data to a terminal; redirect stdout or name an output file");
    return Status::Ok();
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symlinks: the file that would change
  const bool exists = fs::exists(status) || fs::exists(fs::symlink_status(path, ec));
  if (exists && input != "-" && fs::equivalent(input, path, ec))
    return Status(StatusCode::kInvalidArgument, "output '" + path + "' is the input file; choose another output");
  if (fs::is_directory(status)) return io_error(path, EISDIR);
  // A device or FIFO (not a regular file) is written into, never replaced: no -y needed.
  if (exists && !overwrite && !(fs::exists(status) && !fs::is_regular_file(status)))
    return Status(StatusCode::kInvalidArgument, "output '" + path + "' exists; use -y/--overwrite to replace it");
  return Status::Ok();
}

StatusOr<OutputFile> OutputFile::open(const std::string& path, const std::string& input, bool overwrite) {
  BSQ_RETURN_IF_ERROR(check_output_target(path, input, overwrite));
  OutputFile out;
  out.target_ = path;
  out.overwrite_ = overwrite;
  if (path == "-") {
    out.write_path_ = "-";
    return out;
  }

  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  const bool exists = fs::exists(status) || fs::exists(fs::symlink_status(path, ec));

  mode_t mode = default_mode();
  fs::path dir = fs::path(path).parent_path();
  std::string name = fs::path(path).filename().string();
  if (exists && fs::exists(status) && !fs::is_regular_file(status)) {
    // A device or FIFO: renaming over it would replace the node, so stage in $TMPDIR and copy.
    out.kind_ = Kind::kSpecial;
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    if (fs::path(name).extension().empty()) name += ".png";  // /dev/stdout gets what "-" gets
  } else {
    out.kind_ = Kind::kRegular;
    struct stat st {};
    if (exists && ::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;  // keep the replaced file's mode
    if (dir.empty()) dir = ".";
  }
  auto temporary = make_temporary(dir, name, mode, path);
  if (!temporary.ok()) return temporary.status();
  out.write_path_ = temporary.value();
  out.pending_ = true;
  out.slot_ = track_pending(out.write_path_);
  return out;
}

OutputFile::OutputFile(OutputFile&& other) noexcept { *this = std::move(other); }

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    discard();
    target_ = std::move(other.target_);
    write_path_ = std::move(other.write_path_);
    kind_ = other.kind_;
    overwrite_ = other.overwrite_;
    pending_ = std::exchange(other.pending_, false);
    slot_ = std::exchange(other.slot_, -1);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (stream_ != nullptr && stream_ != stdout) std::fclose(stream_);
  stream_ = nullptr;
  if (!pending_) return;
  untrack_pending(std::exchange(slot_, -1));
  unlink(write_path_.c_str());
  pending_ = false;
}

Status OutputFile::write(const std::vector<uint8_t>& bytes) const { return write_to(write_path_, target_, bytes); }

Status OutputFile::append(const std::vector<uint8_t>& bytes) {
  if (stream_ == nullptr) {
    stream_ = kind_ == Kind::kStdout ? stdout : std::fopen(write_path_.c_str(), "wb");
    if (stream_ == nullptr) return io_error(target_, errno);
  }
  if (bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), stream_) == bytes.size()) return Status::Ok();
  return io_error(target_, errno != 0 ? errno : EIO);
}

Status OutputFile::name_target(const Status& status) const {
  if (status.ok() || write_path_ == target_) return status;
  std::string message = status.message();
  for (size_t at = 0; (at = message.find(write_path_, at)) != std::string::npos; at += target_.size())
    message.replace(at, write_path_.size(), target_);
  return Status(status.code(), message);
}

Status OutputFile::commit() {
  if (stream_ != nullptr) {
    // Flushed and closed before the rename: errors such as ENOSPC often show only here.
    std::FILE* stream = std::exchange(stream_, nullptr);
    bool ok = std::fflush(stream) == 0;
    int err = ok ? 0 : errno;
    if (stream != stdout && std::fclose(stream) != 0 && ok) {
      ok = false;
      err = errno;
    }
    if (!ok) return io_error(target_, err != 0 ? err : EIO);
  }
  if (kind_ == Kind::kStdout || !pending_) return Status::Ok();
  if (kind_ == Kind::kSpecial) {
    std::ifstream in(write_path_, std::ios::binary);
    if (!in) return io_error(target_, EIO);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BSQ_RETURN_IF_ERROR(write_to(target_, target_, bytes));  // the device or FIFO itself
    discard();
    return Status::Ok();
  }
  // Data first, then the name: after a crash the target holds the old file or the whole new one.
  if (const int fd = ::open(write_path_.c_str(), O_RDONLY); fd >= 0) {
    fsync(fd);
    close(fd);
  }
  // Without overwrite, the output must still not exist: someone may have created it meanwhile.
  int rc = renameat2(AT_FDCWD, write_path_.c_str(), AT_FDCWD, target_.c_str(), overwrite_ ? 0 : RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL && !overwrite_)
    rc = std::rename(write_path_.c_str(), target_.c_str());  // fs without NOREPLACE
  if (rc != 0) {
    if (errno == EEXIST)
      return Status(StatusCode::kInvalidArgument, "output '" + target_ + "' exists; use -y/--overwrite to replace it");
    return io_error(target_, errno);
  }
  pending_ = false;
  untrack_pending(std::exchange(slot_, -1));
  return Status::Ok();
}

}  // namespace bsq::cli

// Staged image sequences: mkdtemp beside the frames, renameat2 into place, all or nothing.
#include "staged_sequence.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

namespace bsq::cli {
namespace fs = std::filesystem;

bool is_sequence_pattern(const std::string& path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (i + 1 < path.size() && path[i + 1] == '%') {
      ++i;
      continue;
    }
    return true;
  }
  return false;
}

StatusOr<StagedSequence> StagedSequence::open(const std::string& pattern, bool overwrite) {
  StagedSequence out;
  const fs::path path(pattern);
  out.dir_ = path.parent_path().empty() ? "." : path.parent_path().string();
  std::string staging = (fs::path(out.dir_) / ".bsq-XXXXXX").string();
  if (mkdtemp(staging.data()) == nullptr)
    return Status(StatusCode::kIoError, "cannot write '" + pattern + "': " + std::strerror(errno));
  out.staging_ = staging;
  out.write_pattern_ = (fs::path(staging) / path.filename()).string();
  out.overwrite_ = overwrite;
  return out;
}

StagedSequence::StagedSequence(StagedSequence&& other) noexcept
    : dir_(std::move(other.dir_)),
      staging_(std::exchange(other.staging_, std::string())),
      write_pattern_(std::move(other.write_pattern_)),
      overwrite_(other.overwrite_) {}

StagedSequence::~StagedSequence() {
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
}

Status StagedSequence::commit() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(staging_, ec)) names.push_back(entry.path().filename().string());
  if (ec) return Status(StatusCode::kIoError, "cannot list '" + staging_ + "': " + ec.message());
  std::sort(names.begin(), names.end());
  std::vector<std::string> moved;
  for (const std::string& name : names) {
    const std::string from = (fs::path(staging_) / name).string(), to = (fs::path(dir_) / name).string();
    int rc = renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), overwrite_ ? 0 : RENAME_NOREPLACE);
    if (rc != 0 && errno == EINVAL && !overwrite_) {  // a file system without NOREPLACE
      rc = fs::exists(to, ec) ? (errno = EEXIST, -1) : std::rename(from.c_str(), to.c_str());
    }
    if (rc != 0) {
      const int err = errno;
      for (const std::string& done : moved) unlink(done.c_str());  // only frames this run created
      if (err == EEXIST)
        return Status(StatusCode::kInvalidArgument, "output '" + to + "' exists; use -y/--overwrite to replace it");
      return Status(StatusCode::kIoError, "cannot write '" + to + "': " + std::strerror(err));
    }
    if (!overwrite_) moved.push_back(to);
  }
  fs::remove(staging_, ec);
  staging_.clear();
  return Status::Ok();
}

}  // namespace bsq::cli

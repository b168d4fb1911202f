// Output files that appear complete or not at all, and never replace what the user did not mean to.
//
// Usage:
//   auto out = bsq::cli::OutputFile::open(output_path, input_path, overwrite);  // before any work
//   if (!out.ok()) return console.fail(out.status());
//   ...                                                  // encode or decode
//   Status st = write_somehow(out->write_path());        // "-", or a temporary file beside OUTPUT
//   if (st.ok()) st = out->commit();                     // rename into place
//   // on any early return the destructor deletes the temporary file; so does SIGINT/SIGTERM/SIGHUP
//
// Rules: "-" is stdout (refused when it is a terminal); an existing OUTPUT is replaced only with
// overwrite, and never when it is the input file (same inode, however spelled); a directory is
// refused; special files such as /dev/null or a FIFO are written in place, staged in $TMPDIR first
// so they too get all or nothing. The temporary file keeps OUTPUT's name as its suffix, so
// extension-based format choice sees the same extension.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::cli {

// What OutputFile::open refuses before it creates anything: an empty name, binary output ("-") on a
// terminal, the input file itself, a directory, and an existing regular file without `overwrite`.
// For writers that stage their output themselves (video, PNG sequences), so they refuse alike.
Status check_output_target(const std::string& path, const std::string& input, bool overwrite);

class OutputFile {
 public:
  static StatusOr<OutputFile> open(const std::string& path, const std::string& input, bool overwrite);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  const std::string& target() const { return target_; }          // what the user named
  const std::string& write_path() const { return write_path_; }  // where to write now
  bool is_stdout() const { return kind_ == Kind::kStdout; }

  // Writes bytes to write_path(), naming target() in any error.
  Status write(const std::vector<uint8_t>& bytes) const;
  // Writes bytes after those of the previous append() (a stream produced piece by piece, such as a
  // video's GOPs); the file stays open until commit() or the destructor.
  Status append(const std::vector<uint8_t>& bytes);
  // A status from another writer, with the temporary file's name replaced by target().
  Status name_target(const Status& status) const;
  // Puts the written file in place; after success the destructor leaves everything alone.
  Status commit();

 private:
  enum class Kind { kStdout, kRegular, kSpecial };
  OutputFile() = default;
  void discard();

  std::string target_, write_path_;
  Kind kind_ = Kind::kStdout;
  bool overwrite_ = false;
  bool pending_ = false;         // a temporary file exists that is ours to delete
  int slot_ = -1;                // where the signal handler finds it
  std::FILE* stream_ = nullptr;  // open between the first append() and commit()
};

}  // namespace bsq::cli

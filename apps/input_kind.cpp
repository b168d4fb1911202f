// Video or image: the reader's codec for files, the first bytes for stdin (peeked, not consumed).
#include "input_kind.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

namespace bsq::cli {
namespace {

// FFmpeg's names of the codecs of still-picture files (media::VideoFormat::codec).
bool is_still_picture_codec(std::string_view codec) {
  static constexpr std::string_view kStill[] = {
      "png", "apng",    "mjpeg", "jpegls",  "jpeg2000",     "jpegxl", "webp", "bmp", "tiff",  "ppm",   "pgm", "pgmyuv",
      "pbm", "pam",     "pfm",   "phm",     "gif",          "qoi",    "dpx",  "exr", "sgi",   "targa", "xbm", "xpm",
      "xwd", "sunrast", "pcx",   "photocd", "radiance_hdr", "pictor", "psd",  "gem", "ljpeg", "ptx",   "vbn"};
  return std::find(std::begin(kStill), std::end(kStill), codec) != std::end(kStill);
}

// File names that say "video": only used to choose which of two errors to show.
bool has_video_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* video : {".mp4", ".m4v", ".mkv", ".webm", ".avi", ".mov", ".y4m", ".ts", ".nut", ".mpg", ".mpeg",
                            ".ogv", ".flv", ".wmv", ".3gp"})
    if (ext == video) return true;
  return false;
}

// Up to n bytes from the start of stdin, left for the next reader: pread on a file, tee(2) on a
// pipe (which copies pipe data without consuming it). Empty when stdin is neither (a terminal).
std::vector<uint8_t> peek_stdin(size_t n) {
  std::vector<uint8_t> bytes(n);
  const off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);
  if (at >= 0) {
    const ssize_t got = pread(STDIN_FILENO, bytes.data(), n, at);
    bytes.resize(got > 0 ? static_cast<size_t>(got) : 0);
    return bytes;
  }
  int copy[2];
  if (pipe(copy) != 0) return {};
  ssize_t got = 0;
  while (true) {
    got = tee(STDIN_FILENO, copy[1], n, 0);  // waits for the first data; 0 at an empty end
    if (got <= 0) break;
    // Drain the copy: the next tee() starts again from stdin's first byte.
    size_t drained = 0;
    while (drained < static_cast<size_t>(got)) {
      const ssize_t r = read(copy[0], bytes.data() + drained, static_cast<size_t>(got) - drained);
      if (r <= 0) break;
      drained += static_cast<size_t>(r);
    }
    if (static_cast<size_t>(got) >= n) break;
    // Fewer bytes than asked: wait for more unless the writer is gone.
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    if (poll(&fd, 1, 0) < 0 || (fd.revents & POLLHUP)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close(copy[0]);
  close(copy[1]);
  bytes.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return bytes;
}

bool starts_with(const std::vector<uint8_t>& bytes, size_t at, std::string_view magic) {
  return bytes.size() >= at + magic.size() && std::memcmp(bytes.data() + at, magic.data(), magic.size()) == 0;
}

bool has_video_signature(const std::vector<uint8_t>& b) {
  constexpr size_t kTsPacket = 188;
  return starts_with(b, 0, "YUV4MPEG2") || starts_with(b, 0, "\x1a\x45\xdf\xa3") ||
         starts_with(b, 0, "nut/multimedia container") || (starts_with(b, 0, "RIFF") && starts_with(b, 8, "AVI ")) ||
         starts_with(b, 4, "ftyp") || (starts_with(b, 0, "\x47") && starts_with(b, kTsPacket, "\x47"));
}

}  // namespace

StatusOr<std::optional<media::VideoReader>> open_if_video(const std::string& path) {
  const bool from_stdin = path == "-";
  if (from_stdin && !has_video_signature(peek_stdin(192))) return std::optional<media::VideoReader>();
  auto reader = media::VideoReader::open(path);
  if (!reader.ok()) {
    if (from_stdin || has_video_extension(path)) return reader.status();
    return std::optional<media::VideoReader>();
  }
  const media::VideoFormat& format = reader->format();
  if (!from_stdin && is_still_picture_codec(format.codec) && format.frame_count <= 1)
    return std::optional<media::VideoReader>();
  return std::optional<media::VideoReader>(std::move(reader.value()));
}

}  // namespace bsq::cli

// Image sequences: frame%04d.png -> frame0001.png, frame0002.png, ... each written by write_image.
// The pattern is parsed here and never handed to printf or to FFmpeg's image2 muxer.
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <utility>

#include "image_io.h"
#include "video_sinks.h"

namespace bsq::media::detail {
namespace {

// "pre%05dpost" split into its parts; "%%" is a literal percent sign.
struct Pattern {
  std::string prefix, suffix;
  int width = 0;
  bool zero_pad = false;
};

// The one integer conversion of a sequence path: %d, %5d, %05d (also i/u). Anything else is refused.
StatusOr<Pattern> parse_pattern(const std::string& path) {
  Pattern pattern;
  bool found = false;
  for (size_t i = 0; i < path.size(); ++i) {
    std::string& out = found ? pattern.suffix : pattern.prefix;
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    if (i + 1 < path.size() && path[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    Pattern conversion;
    if (j < path.size() && path[j] == '0') {
      conversion.zero_pad = true;
      ++j;
    }
    while (j < path.size() && path[j] >= '0' && path[j] <= '9' && conversion.width < 100) {
      conversion.width = conversion.width * 10 + (path[j++] - '0');
    }
    if (j >= path.size() || (path[j] != 'd' && path[j] != 'i' && path[j] != 'u') || conversion.width > 18 || found) {
      return Status(StatusCode::kInvalidArgument,
                    "an image sequence needs exactly one %d, %Nd or %0Nd in its name (%% for a percent sign)");
    }
    found = true;
    pattern.width = conversion.width;
    pattern.zero_pad = conversion.zero_pad;
    i = j;
  }
  if (!found) return Status(StatusCode::kInvalidArgument, "no %d in the sequence name");
  return pattern;
}

std::string frame_path(const Pattern& pattern, int64_t number) {
  std::string digits = std::to_string(number);
  if (static_cast<int>(digits.size()) < pattern.width) {
    digits.insert(0, pattern.width - digits.size(), pattern.zero_pad ? '0' : ' ');
  }
  return pattern.prefix + digits + pattern.suffix;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class SequenceSink final : public VideoSink {
 public:
  SequenceSink(Pattern pattern, const VideoFormat& format, bool overwrite)
      : pattern_(std::move(pattern)), format_(format), overwrite_(overwrite) {}

  Status write(const Image& frame) override {
    if (frame.width != format_.width || frame.height != format_.height) {
      return Status(StatusCode::kInvalidArgument, "frame " + std::to_string(next_) + " is " +
                                                      std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                                      " but the clip is " + std::to_string(format_.width) + "x" +
                                                      std::to_string(format_.height));
    }
    const std::string path = frame_path(pattern_, next_);
    // Checked per frame: the sequence's extent is not known when it is opened.
    if (!overwrite_ && exists(path)) {
      return Status(StatusCode::kIoError, "'" + path + "' exists (not overwriting it)");
    }
    // write_image names the file itself; the writer's prefix names the pattern.
    Status st = write_image(frame, path);
    if (!st.ok()) return Status(st.code(), "frame " + std::to_string(next_) + ": " + st.message());
    ++next_;
    return Status::Ok();
  }

  Status finish() override { return Status::Ok(); }

 private:
  Pattern pattern_;
  VideoFormat format_;
  bool overwrite_;
  int64_t next_ = 1;  // numbered from 1, as FFmpeg's image2 muxer does by default
};

}  // namespace

bool is_sequence_pattern(const std::string& path) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (path[i + 1] == '%') {
      ++i;
      continue;
    }
    return true;
  }
  return false;
}

StatusOr<std::unique_ptr<VideoSink>> open_sequence_sink(const std::string& path, const VideoFormat& format,
                                                        bool overwrite) {
  StatusOr<Pattern> pattern = parse_pattern(path);
  if (!pattern.ok()) return pattern.status();
  const std::string first = frame_path(pattern.value(), 1);
  if (!overwrite && exists(first)) {
    return Status(StatusCode::kIoError, "'" + first + "' exists (not overwriting it)");
  }
  return std::unique_ptr<VideoSink>(new SequenceSink(std::move(pattern).value(), format, overwrite));
}

}  // namespace bsq::media::detail

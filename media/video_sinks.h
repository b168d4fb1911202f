// The two ways a VideoWriter stores frames, behind one small interface: an FFmpeg muxer with an
// encoder (y4m, mkv, mp4, ...) and a numbered sequence of image files.
#pragma once

#include <memory>
#include <string>

#include "video_io.h"

namespace bsq::media::detail {

class VideoSink {
 public:
  virtual ~VideoSink() = default;
  virtual Status write(const Image& frame) = 0;
  virtual Status finish() = 0;
};

// path "-" is y4m on stdout. Messages do not name the file; the writer adds it.
StatusOr<std::unique_ptr<VideoSink>> open_muxer_sink(const std::string& path, const VideoFormat& format,
                                                     bool overwrite);

// True when `path` holds a printf conversion (frame%04d.png), i.e. names an image sequence.
bool is_sequence_pattern(const std::string& path);
StatusOr<std::unique_ptr<VideoSink>> open_sequence_sink(const std::string& pattern, const VideoFormat& format,
                                                        bool overwrite);

}  // namespace bsq::media::detail

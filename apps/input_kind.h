// bsqenc's rule for telling a video INPUT from a still image, so that one command codes both.
//
// A file is a video when FFmpeg finds a video stream in it whose codec is not a still-picture codec
// (PNG, JPEG, WebP, BMP, TIFF, PPM, GIF, ...), or whose container lists more than one frame (a
// motion-JPEG AVI). So mp4, mkv, webm, avi, mov, ts, nut and y4m clips are videos, a one-frame clip
// included, and every picture format bsqenc took before stays an image.
// stdin cannot be probed twice, so its first bytes decide: y4m, Matroska/WebM, NUT, MPEG-TS, AVI
// and mp4 signatures are videos, anything else is read as an image.
#pragma once

#include <optional>
#include <string>

#include "bsq/status.h"
#include "media/video_io.h"

namespace bsq::cli {

// The input as a video, opened and ready for frames; std::nullopt when it is to be read as an image
// (or is neither: the image reader then says why). An error only for an input that is recognisably
// a video (by its signature on stdin, by its extension for a file) but cannot be read as one.
StatusOr<std::optional<media::VideoReader>> open_if_video(const std::string& path);

}  // namespace bsq::cli

// Per-clip pixel conversion for video: one swscale context built once and reused for every frame,
// where frame_convert.h builds one per picture (fine for stills, a waste at 30 frames a second).
#pragma once

#include "ffmpeg_util.h"
#include "frame_convert.h"

namespace bsq::media::detail {

// Decoded frames -> RGB8. The context is rebuilt only when a frame's size, format or colour changes.
class FrameToRgb {
 public:
  // Writes into *out, reusing its buffer when the size matches.
  Status convert(const AVFrame& frame, Image* out);

 private:
  SwsPtr sws_;
  int width_ = 0, height_ = 0, format_ = -1, matrix_ = -1, full_range_ = -1;
};

// RGB8 -> frames in an encoder's pixel format, with a chosen YUV matrix (H.273 code) and range.
class RgbToFrame {
 public:
  Status init(int width, int height, AVPixelFormat format, int matrix, bool full_range);
  // A new frame holding `image` converted; the image must have init's size.
  StatusOr<FramePtr> convert(const Image& image);

 private:
  SwsPtr sws_;
  int width_ = 0, height_ = 0;
  AVPixelFormat format_ = AV_PIX_FMT_NONE;
};

// swscale's coefficient table for an H.273 matrix code; BT.601 for codes it does not know.
const int* sws_matrix(int matrix);

}  // namespace bsq::media::detail

// Pixel conversion between decoded AVFrames and bsq::Image (RGB8), both directions, via libswscale.
#pragma once

#include "ffmpeg_util.h"
#include "image_io.h"

namespace bsq::media::detail {

// kOk when 1 <= side <= kMaxImageSide and width * height <= kMaxImagePixels.
Status check_image_size(int width, int height);

// Any decoded picture -> RGB8. Alpha is dropped; `info` (optional) gets bits, alpha and gray flags.
StatusOr<Image> frame_to_rgb(const AVFrame& frame, ReadInfo* info);

// RGB8 -> a new frame in `format` (what an encoder wants). YUV targets are full-range BT.601 (JPEG).
StatusOr<FramePtr> rgb_to_frame(const Image& image, AVPixelFormat format);

}  // namespace bsq::media::detail

// Pixel conversion between decoded AVFrames and bsq::Image (RGB8), both directions, via libswscale.
#pragma once

#include "ffmpeg_util.h"
#include "image_io.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace bsq::media::detail {

// swscale set up for exactness: RGB to RGB is a plain copy, chroma is interpolated at full horizontal
// resolution, rounding is accurate and bit-exact across CPUs.
inline constexpr int kSwsFlags =
    SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP | SWS_BITEXACT;

// kOk when 1 <= side <= kMaxImageSide and width * height <= kMaxImagePixels.
Status check_image_size(int width, int height);

// The plain YUV format for a deprecated yuvj* one, setting *full_range; any other format is returned as is.
AVPixelFormat strip_jpeg_range(AVPixelFormat format, bool* full_range);

// True for colour YUV (not gray, RGB or palette): the only formats whose matrix and range matter.
bool is_color_yuv(const AVPixFmtDescriptor* desc);

// Any decoded picture -> RGB8. Alpha is dropped; `info` (optional) gets bits, alpha and gray flags.
StatusOr<Image> frame_to_rgb(const AVFrame& frame, ReadInfo* info);

// RGB8 -> a new frame in `format` (what an encoder wants). YUV targets are full-range BT.601 (JPEG).
StatusOr<FramePtr> rgb_to_frame(const Image& image, AVPixelFormat format);

}  // namespace bsq::media::detail

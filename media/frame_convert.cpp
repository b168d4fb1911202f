// Pixel conversion with libswscale, set up for exactness: RGB to RGB is a plain copy (lossless), chroma is
// interpolated at full horizontal resolution, rounding is accurate and bit-exact across CPUs.
#include "frame_convert.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "frame_converter.h"

namespace bsq::media::detail {
namespace {

// Palette formats always carry an alpha byte per entry; only a non-opaque entry means real transparency.
bool palette_has_alpha(const AVFrame& frame) {
  if (!frame.data[1]) return false;
  const auto* palette = reinterpret_cast<const uint32_t*>(frame.data[1]);  // native-endian 0xAARRGGBB
  for (int i = 0; i < 256; ++i) {
    if ((palette[i] >> 24) != 0xFF) return true;
  }
  return false;
}

// True when some alpha sample is below full opacity. Formats like WebP lossless always decode with an
// alpha channel, so the channel's presence alone would flag every such file.
bool alpha_is_used(const AVFrame& frame, const AVPixFmtDescriptor* desc) {
  const int alpha = desc->nb_components - 1;  // FFmpeg descriptors put alpha last
  const uint32_t opaque = (uint32_t{1} << desc->comp[alpha].depth) - 1;
  std::vector<uint32_t> line(static_cast<size_t>(frame.width));
  for (int y = 0; y < frame.height; ++y) {
    av_read_image_line2(line.data(), const_cast<const uint8_t**>(frame.data), frame.linesize, desc, 0, y, alpha,
                        frame.width, 0, 4);
    for (uint32_t a : line) {
      if (a != opaque) return true;
    }
  }
  return false;
}

}  // namespace

// The deprecated yuvj* formats mean "yuv*, full range". swscale wants the plain format plus an explicit
// range; passing yuvj* works too but relies on a deprecated path that guesses.
AVPixelFormat strip_jpeg_range(AVPixelFormat format, bool* full_range) {
  switch (format) {
    case AV_PIX_FMT_YUVJ420P:
      *full_range = true;
      return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
      *full_range = true;
      return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
      *full_range = true;
      return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
      *full_range = true;
      return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
      *full_range = true;
      return AV_PIX_FMT_YUV411P;
    default:
      return format;
  }
}

// Colour YUV (not gray, not RGB): the only case where range and matrix are ours to set. Gray is full range
// in swscale by definition, which is right for PNG/PGM gray.
bool is_color_yuv(const AVPixFmtDescriptor* desc) {
  return desc->nb_components >= 3 && !(desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL));
}

Status check_image_size(int width, int height) {
  if (width < 1 || height < 1) {
    return Status(StatusCode::kInvalidData,
                  "image has no pixels (" + std::to_string(width) + "x" + std::to_string(height) + ")");
  }
  if (width > kMaxImageSide || height > kMaxImageSide || static_cast<int64_t>(width) * height > kMaxImagePixels) {
    return Status(StatusCode::kUnsupported, "image is " + std::to_string(width) + "x" + std::to_string(height) +
                                                "; the limit is " + std::to_string(kMaxImageSide) +
                                                " per side and 2^28 pixels");
  }
  return Status::Ok();
}

StatusOr<Image> frame_to_rgb(const AVFrame& frame, ReadInfo* info) {
  BSQ_RETURN_IF_ERROR(check_image_size(frame.width, frame.height));
  const auto decoded_format = static_cast<AVPixelFormat>(frame.format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(decoded_format);
  if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) {
    return Status(StatusCode::kUnsupported, "decoder produced an unusable pixel format");
  }
  if (info) {
    const bool paletted = desc->flags & AV_PIX_FMT_FLAG_PAL;
    info->source_bits = desc->comp[0].depth;
    const bool has_alpha_channel = desc->flags & AV_PIX_FMT_FLAG_ALPHA;
    info->had_alpha = paletted ? palette_has_alpha(frame) : has_alpha_channel && alpha_is_used(frame, desc);
    info->was_gray = !paletted && desc->nb_components <= 2;
  }

  // One picture through the video path's converter (matrix from the frame, BT.601 when untagged).
  FrameToRgb to_rgb;
  Image image;
  BSQ_RETURN_IF_ERROR(to_rgb.convert(frame, &image));
  return StatusOr<Image>(std::move(image));
}

StatusOr<FramePtr> rgb_to_frame(const Image& image, AVPixelFormat format) {
  BSQ_RETURN_IF_ERROR(check_image_size(image.width, image.height));
  if (image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status(StatusCode::kInvalidArgument, "image buffer size does not match its dimensions");
  }
  bool full_range = false;
  const AVPixelFormat target_format = strip_jpeg_range(format, &full_range);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(target_format);
  if (!desc) return Status(StatusCode::kInternal, "cannot convert RGB for the encoder");
  // Encoders here only take YUV for JPEG, which is full-range BT.601 by definition (JFIF).
  if (is_color_yuv(desc)) full_range = true;
  RgbToFrame to_frame;
  BSQ_RETURN_IF_ERROR(to_frame.init(image.width, image.height, target_format, AVCOL_SPC_BT470BG, full_range));
  auto frame = to_frame.convert(image);
  if (!frame.ok()) return frame.status();
  frame.value()->format = format;  // target_format's layout; a yuvj* format tells the encoder the range
  frame.value()->color_range = full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_UNSPECIFIED;
  return frame;
}

}  // namespace bsq::media::detail

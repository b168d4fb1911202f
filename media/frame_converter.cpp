// FrameToRgb / RgbToFrame: cached swscale contexts with explicit matrix and range.
#include "frame_converter.h"

#include <string>

namespace bsq::media::detail {

const int* sws_matrix(int matrix) {
  // sws_getCoefficients indexes by the same numbers as AVColorSpace (1 BT.709, 5/6 BT.601, 9 BT.2020...)
  // and falls back to BT.601 for the rest, which is what FFmpeg assumes for untagged video too.
  const bool known = matrix == AVCOL_SPC_BT709 || matrix == AVCOL_SPC_FCC || matrix == AVCOL_SPC_BT470BG ||
                     matrix == AVCOL_SPC_SMPTE170M || matrix == AVCOL_SPC_SMPTE240M || matrix == AVCOL_SPC_BT2020_NCL ||
                     matrix == AVCOL_SPC_BT2020_CL;
  return sws_getCoefficients(known ? matrix : SWS_CS_DEFAULT);
}

Status FrameToRgb::convert(const AVFrame& frame, Image* out) {
  BSQ_RETURN_IF_ERROR(check_image_size(frame.width, frame.height));
  const auto decoded_format = static_cast<AVPixelFormat>(frame.format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(decoded_format);
  if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) {
    return Status(StatusCode::kUnsupported, "decoder produced an unusable pixel format");
  }
  // Untagged video is TV range; only the deprecated yuvj* formats or a tag say otherwise.
  bool full_range = frame.color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat source_format = strip_jpeg_range(decoded_format, &full_range);
  const int matrix = frame.colorspace;
  if (!sws_ || frame.width != width_ || frame.height != height_ || frame.format != format_ || matrix != matrix_ ||
      static_cast<int>(full_range) != full_range_) {
    sws_.reset(sws_getContext(frame.width, frame.height, source_format, frame.width, frame.height, AV_PIX_FMT_RGB24,
                              kSwsFlags, nullptr, nullptr, nullptr));
    if (!sws_) {
      return Status(StatusCode::kUnsupported, std::string("cannot convert pixel format ") + desc->name + " to RGB");
    }
    if (is_color_yuv(desc)) {
      sws_setColorspaceDetails(sws_.get(), sws_matrix(matrix), full_range ? 1 : 0, sws_matrix(matrix), 1, 0, 1 << 16,
                               1 << 16);
    }
    width_ = frame.width;
    height_ = frame.height;
    format_ = frame.format;
    matrix_ = matrix;
    full_range_ = full_range ? 1 : 0;
  }
  if (out->width != frame.width || out->height != frame.height) *out = Image(frame.width, frame.height);
  uint8_t* dst[4] = {out->rgb.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {frame.width * 3, 0, 0, 0};
  const int rows = sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, dst, dst_stride);
  if (rows != frame.height) return Status(StatusCode::kInternal, "pixel conversion to RGB failed");
  return Status::Ok();
}

Status RgbToFrame::init(int width, int height, AVPixelFormat format, int matrix, bool full_range) {
  BSQ_RETURN_IF_ERROR(check_image_size(width, height));
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  sws_.reset(
      sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, format, kSwsFlags, nullptr, nullptr, nullptr));
  if (!sws_ || !desc) return Status(StatusCode::kInternal, "cannot convert RGB for the encoder");
  if (is_color_yuv(desc)) {
    sws_setColorspaceDetails(sws_.get(), sws_matrix(matrix), 1, sws_matrix(matrix), full_range ? 1 : 0, 0, 1 << 16,
                             1 << 16);
  }
  width_ = width;
  height_ = height;
  format_ = format;
  return Status::Ok();
}

StatusOr<FramePtr> RgbToFrame::convert(const Image& image) {
  if (image.width != width_ || image.height != height_ ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status(StatusCode::kInvalidArgument, "frame is " + std::to_string(image.width) + "x" +
                                                    std::to_string(image.height) + " but the clip is " +
                                                    std::to_string(width_) + "x" + std::to_string(height_));
  }
  FramePtr frame(av_frame_alloc());
  if (!frame) return Status(StatusCode::kInternal, "out of memory");
  frame->format = format_;
  frame->width = width_;
  frame->height = height_;
  const int err = av_frame_get_buffer(frame.get(), 0);
  if (err < 0) return av_status(StatusCode::kInternal, "cannot allocate frame", err);
  const uint8_t* src[4] = {image.rgb.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {image.width * 3, 0, 0, 0};
  const int rows = sws_scale(sws_.get(), src, src_stride, 0, image.height, frame->data, frame->linesize);
  if (rows != image.height) return Status(StatusCode::kInternal, "pixel conversion from RGB failed");
  return StatusOr<FramePtr>(std::move(frame));
}

}  // namespace bsq::media::detail

// Encoding: RGB8 -> encoder chosen by file extension -> one packet in memory -> avio write.
//
// The whole file is encoded before the output is opened, so a failed encode never truncates an
// existing file. Still-image encoders emit a complete file per packet, so no muxer is needed.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <libavutil/opt.h>
}

#include "ffmpeg_util.h"
#include "frame_convert.h"
#include "image_io.h"

namespace bsq::media {
namespace {

using namespace detail;

struct Target {
  const char* encoder;         // FFmpeg encoder name
  AVPixelFormat pixel_format;  // what that encoder takes from us
  int max_side = kMaxImageSide;
};

StatusOr<Target> target_for(const std::string& ext) {
  if (ext == "png") return Target{"png", AV_PIX_FMT_RGB24};
  if (ext == "ppm") return Target{"ppm", AV_PIX_FMT_RGB24};
  if (ext == "bmp") return Target{"bmp", AV_PIX_FMT_BGR24};
  if (ext == "tif" || ext == "tiff") return Target{"tiff", AV_PIX_FMT_RGB24};
  if (ext == "jpg" || ext == "jpeg") return Target{"mjpeg", AV_PIX_FMT_YUVJ444P};
  if (ext == "webp") return Target{"libwebp", AV_PIX_FMT_RGB32, 16383};  // RGB32 + lossless: exact ARGB path
  const std::string what = ext.empty() ? "no file extension" : "unknown image extension '." + ext + "'";
  return Status(StatusCode::kInvalidArgument, what + " (use .png .ppm .bmp .tif .tiff .jpg .jpeg .webp)");
}

// Format-specific settings; everything else stays at FFmpeg's defaults.
Status configure(AVCodecContext* codec, const std::string& encoder) {
  int err = 0;
  if (encoder == "png") {
    err = av_opt_set(codec->priv_data, "pred", "mixed", 0);  // default "none" makes files ~2x larger
  } else if (encoder == "tiff") {
    err = av_opt_set(codec->priv_data, "compression_algo", "deflate", 0);  // lossless, smaller than packbits
  } else if (encoder == "mjpeg") {
    // Fixed quantiser 2 (of 1..31): roughly libjpeg quality 95, far above typical codec artefacts.
    codec->flags |= AV_CODEC_FLAG_QSCALE;
    codec->global_quality = 2 * FF_QP2LAMBDA;
    codec->color_range = AVCOL_RANGE_JPEG;
  } else if (encoder == "libwebp") {
    err = av_opt_set_int(codec->priv_data, "lossless", 1, 0);  // decoded output should stay exact
  }
  if (err < 0) return av_status(StatusCode::kInternal, "cannot configure the " + encoder + " encoder", err);
  return Status::Ok();
}

// Runs one frame through the encoder and returns the concatenated packets (one complete file).
StatusOr<std::vector<uint8_t>> encode(const Image& image, const Target& target) {
  const AVCodec* encoder = avcodec_find_encoder_by_name(target.encoder);
  if (!encoder) {
    return Status(StatusCode::kUnsupported, std::string("this FFmpeg build has no ") + target.encoder + " encoder");
  }
  if (image.width > target.max_side || image.height > target.max_side) {
    return Status(StatusCode::kUnsupported, std::string(target.encoder) + " cannot store more than " +
                                                std::to_string(target.max_side) + " pixels per side");
  }
  StatusOr<FramePtr> frame = rgb_to_frame(image, target.pixel_format);
  if (!frame.ok()) return frame.status();

  CodecContextPtr codec(avcodec_alloc_context3(encoder));
  if (!codec) return Status(StatusCode::kInternal, "out of memory");
  codec->width = image.width;
  codec->height = image.height;
  codec->pix_fmt = target.pixel_format;
  codec->time_base = AVRational{1, 1};  // required by encoders; meaningless for a still image
  BSQ_RETURN_IF_ERROR(configure(codec.get(), target.encoder));
  int err = avcodec_open2(codec.get(), encoder, nullptr);
  if (err < 0) {
    return av_status(StatusCode::kInternal, std::string("cannot open the ") + target.encoder + " encoder", err);
  }

  frame.value()->pts = 0;
  err = avcodec_send_frame(codec.get(), frame.value().get());
  if (err >= 0) err = avcodec_send_frame(codec.get(), nullptr);  // flush: some encoders hold the packet
  if (err < 0) return av_status(StatusCode::kInternal, "encoding failed", err);

  std::vector<uint8_t> bytes;
  PacketPtr packet(av_packet_alloc());
  if (!packet) return Status(StatusCode::kInternal, "out of memory");
  while ((err = avcodec_receive_packet(codec.get(), packet.get())) >= 0) {
    bytes.insert(bytes.end(), packet->data, packet->data + packet->size);
    av_packet_unref(packet.get());
  }
  if (err != AVERROR_EOF) return av_status(StatusCode::kInternal, "encoding failed", err);
  if (bytes.empty()) return Status(StatusCode::kInternal, "encoder produced no data");
  return StatusOr<std::vector<uint8_t>>(std::move(bytes));
}

// "file:" makes avio take the path literally (no protocol parsing of "a:b.png"); "pipe:1" is stdout.
Status write_bytes(const std::vector<uint8_t>& bytes, const std::string& path) {
  const std::string url = path == "-" ? std::string("pipe:1") : "file:" + path;
  AVIOContext* raw = nullptr;
  int err = avio_open(&raw, url.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) return av_status(StatusCode::kIoError, "cannot open for writing", err);
  AvioPtr io(raw);
  constexpr size_t kMaxWrite = size_t{1} << 30;  // avio_write takes an int size
  for (size_t at = 0; at < bytes.size(); at += kMaxWrite) {
    avio_write(io.get(), bytes.data() + at, static_cast<int>(std::min(kMaxWrite, bytes.size() - at)));
  }
  avio_flush(io.get());
  const int write_err = io->error;
  AVIOContext* closing = io.release();
  err = avio_closep(&closing);
  if (write_err < 0) return av_status(StatusCode::kIoError, "write failed", write_err);
  if (err < 0) return av_status(StatusCode::kIoError, "close failed", err);
  return Status::Ok();
}

}  // namespace

Status write_image(const Image& image, const std::string& path) {
  quiet_ffmpeg_logs();
  const bool to_stdout = path == "-";
  const std::string prefix = "cannot write '" + (to_stdout ? std::string("<stdout>") : path) + "': ";
  StatusOr<Target> target = target_for(to_stdout ? std::string("png") : extension_of(path));
  if (!target.ok()) return with_prefix(target.status(), prefix);
  StatusOr<std::vector<uint8_t>> bytes = encode(image, target.value());
  if (!bytes.ok()) return with_prefix(bytes.status(), prefix);
  return with_prefix(write_bytes(bytes.value(), path), prefix);
}

}  // namespace bsq::media

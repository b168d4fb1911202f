// Decoding: bytes -> custom AVIOContext -> content-probed demuxer -> first video frame -> RGB8.
//
// Files are read into memory and probed by content only (never by file name). That keeps FFmpeg's
// file-name conventions out of our way: no "%d" image-sequence patterns, no "proto:" URLs, and no
// extension-based guess that would let the tty demuxer "decode" a .txt file as ANSI art.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "ffmpeg_util.h"
#include "frame_convert.h"
#include "image_io.h"
#include "input_bytes.h"

namespace bsq::media {
namespace {

using namespace detail;

constexpr int kIoBufferBytes = 64 * 1024;
constexpr char kNotAnImage[] = "not an image FFmpeg can decode";

// The read side of an AVIOContext over a byte vector we do not own.
// The AVIOContext's opaque. FFmpeg 5.1's option search (probing asks the context for "mime_type")
// walks into the opaque as if it were an AVClass-based object; a null AVClass pointer first ends that
// search, where the data pointer would have had it read the file's bytes as an AVClass.
struct MemorySource {
  const AVClass* no_class;
  const uint8_t* data;
  size_t size;
  size_t pos;
};

int read_memory(void* opaque, uint8_t* buf, int buf_size) {
  auto* src = static_cast<MemorySource*>(opaque);
  const size_t n = std::min(src->size - src->pos, static_cast<size_t>(std::max(buf_size, 0)));
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buf, src->data + src->pos, n);
  src->pos += n;
  return static_cast<int>(n);
}

int64_t seek_memory(void* opaque, int64_t offset, int whence) {
  auto* src = static_cast<MemorySource*>(opaque);
  const auto size = static_cast<int64_t>(src->size);
  if (whence & AVSEEK_SIZE) return size;
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<int64_t>(src->pos);
      break;
    case SEEK_END:
      base = size;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (offset < -base || offset > size - base) return AVERROR(EINVAL);
  src->pos = static_cast<size_t>(base + offset);
  return base + offset;
}

// Pulls packets of stream `index` through the decoder until it yields its first frame.
Status decode_first_frame(AVFormatContext* format, AVCodecContext* codec, int index, AVFrame* frame) {
  PacketPtr packet(av_packet_alloc());
  if (!packet) return Status(StatusCode::kInternal, "out of memory");
  int read_err = 0;
  while ((read_err = av_read_frame(format, packet.get())) >= 0) {
    if (packet->stream_index != index) {
      av_packet_unref(packet.get());
      continue;
    }
    const int send_err = avcodec_send_packet(codec, packet.get());
    av_packet_unref(packet.get());
    if (send_err < 0) return av_status(StatusCode::kInvalidData, "damaged image data", send_err);
    const int err = avcodec_receive_frame(codec, frame);
    if (err >= 0) return Status::Ok();
    if (err != AVERROR(EAGAIN)) return av_status(StatusCode::kInvalidData, "damaged image data", err);
  }
  // End of input (or a demuxer error on a truncated file): drain what the decoder still holds.
  avcodec_send_packet(codec, nullptr);
  const int err = avcodec_receive_frame(codec, frame);
  if (err >= 0) return Status::Ok();
  if (read_err != AVERROR_EOF) return av_status(StatusCode::kInvalidData, "truncated or damaged file", read_err);
  if (err != AVERROR_EOF) return av_status(StatusCode::kInvalidData, "damaged image data", err);
  return Status(StatusCode::kInvalidData, "file contains no picture");
}

StatusOr<Image> decode_bytes(const std::vector<uint8_t>& bytes, ReadInfo* info) {
  quiet_ffmpeg_logs();
  if (bytes.empty()) return Status(StatusCode::kInvalidData, "file is empty");
  if (bytes.size() > kMaxInputBytes) return Status(StatusCode::kUnsupported, "input is larger than 1 GiB");

  MemorySource source{nullptr, bytes.data(), bytes.size(), 0};
  auto* io_buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  if (!io_buffer) return Status(StatusCode::kInternal, "out of memory");
  CustomIoPtr io(avio_alloc_context(io_buffer, kIoBufferBytes, 0, &source, read_memory, nullptr, seek_memory));
  if (!io) {
    av_free(io_buffer);
    return Status(StatusCode::kInternal, "out of memory");
  }

  // Declared after `io` so it is closed first; avformat_open_input frees the context itself on failure.
  AVFormatContext* raw_format = avformat_alloc_context();
  if (!raw_format) return Status(StatusCode::kInternal, "out of memory");
  raw_format->pb = io.get();
  int err = avformat_open_input(&raw_format, nullptr, nullptr, nullptr);
  if (err == AVERROR(ENOMEM)) return av_status(StatusCode::kInternal, "cannot open input", err);
  if (err < 0) return Status(StatusCode::kInvalidData, kNotAnImage);  // no demuxer recognised the bytes
  FormatInputPtr format(raw_format);

  // No avformat_find_stream_info: image demuxers know the codec from their header, and skipping it
  // avoids a second, unbounded decode before our size limits apply.
  const AVCodec* decoder = nullptr;
  const int index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (index == AVERROR_DECODER_NOT_FOUND) {
    return Status(StatusCode::kUnsupported, "this FFmpeg build has no decoder for it");
  }
  if (index < 0 || !decoder) return Status(StatusCode::kInvalidData, kNotAnImage);

  CodecContextPtr codec(avcodec_alloc_context3(decoder));
  if (!codec) return Status(StatusCode::kInternal, "out of memory");
  err = avcodec_parameters_to_context(codec.get(), format->streams[index]->codecpar);
  if (err < 0) return av_status(StatusCode::kInternal, "cannot set up decoder", err);
  codec->thread_count = 1;              // one picture: threads only add frame latency
  codec->max_pixels = kMaxImagePixels;  // decoders refuse larger pictures before allocating them
  err = avcodec_open2(codec.get(), decoder, nullptr);
  if (err < 0) return av_status(StatusCode::kInvalidData, "cannot open decoder", err);

  FramePtr frame(av_frame_alloc());
  if (!frame) return Status(StatusCode::kInternal, "out of memory");
  BSQ_RETURN_IF_ERROR(decode_first_frame(format.get(), codec.get(), index, frame.get()));
  if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
    return Status(StatusCode::kInvalidData, "damaged image data (the decoder had to conceal errors)");
  }
  if (info) info->format = avcodec_get_name(codec->codec_id);
  return frame_to_rgb(*frame, info);
}

}  // namespace

StatusOr<Image> read_image(const std::string& path, ReadInfo* info) {
  const bool from_stdin = path == "-";
  const std::string prefix = "cannot read '" + (from_stdin ? std::string("<stdin>") : path) + "': ";
  StatusOr<std::vector<uint8_t>> bytes = from_stdin ? read_stdin_bytes() : read_file_bytes(path);
  if (!bytes.ok()) return with_prefix(bytes.status(), prefix);
  StatusOr<Image> image = decode_bytes(bytes.value(), info);
  if (!image.ok()) return with_prefix(image.status(), prefix);
  return image;
}

StatusOr<Image> read_image_memory(const std::vector<uint8_t>& bytes, ReadInfo* info) {
  StatusOr<Image> image = decode_bytes(bytes, info);
  if (!image.ok()) return with_prefix(image.status(), "cannot read image from memory: ");
  return image;
}

}  // namespace bsq::media

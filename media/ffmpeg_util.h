// Internal glue for libav*: owning pointers, FFmpeg error codes as Status, quiet logging.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

#include "bsq/status.h"

namespace bsq::media::detail {

struct FormatInputCloser {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFreer {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
// For AVIOContexts we allocated around our own buffer: avio may have replaced the buffer, so free p->buffer.
struct CustomIoFreer {
  void operator()(AVIOContext* p) const {
    if (p) av_freep(&p->buffer);
    avio_context_free(&p);
  }
};
// For contexts from avio_open on error paths; the success path closes explicitly to see the error.
struct AvioCloser {
  void operator()(AVIOContext* p) const { avio_closep(&p); }
};

using FormatInputPtr = std::unique_ptr<AVFormatContext, FormatInputCloser>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;
using CustomIoPtr = std::unique_ptr<AVIOContext, CustomIoFreer>;
using AvioPtr = std::unique_ptr<AVIOContext, AvioCloser>;

// av_strerror text, e.g. "Invalid data found when processing input".
std::string av_error_text(int errnum);

// Status "<what>: <av_strerror text>"; ENOMEM becomes kInternal whatever `code` says.
Status av_status(StatusCode code, const std::string& what, int errnum);

// Returns `status` with "<prefix>" put before its message (used to name the file once, at the boundary).
Status with_prefix(const Status& status, const std::string& prefix);

// Lower-cased extension of the last path component, without the dot; "" if none. Output formats
// follow it.
std::string extension_of(const std::string& path);

// Silences libav* logging once per process, unless the host already chose a log level.
void quiet_ffmpeg_logs();

}  // namespace bsq::media::detail

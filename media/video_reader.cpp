// VideoReader: file -> FileSource (streaming AVIOContext) -> content-probed demuxer -> decoder ->
// FrameToRgb, one frame per next(). The first frame is decoded by open() so that format() reports
// the size and colour the frames really have, and a file with no decodable picture fails early.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "ffmpeg_util.h"
#include "file_source.h"
#include "frame_converter.h"
#include "video_io.h"

namespace bsq::media {

using namespace detail;

struct VideoReader::Impl {
  std::string name;  // as messages show it
  FileSource source;
  // Declared after `source`, so destroyed before the AVIOContext it reads from.
  FormatInputPtr demuxer;
  CodecContextPtr decoder;
  PacketPtr packet;
  FramePtr frame;
  FrameToRgb to_rgb;
  int stream = -1;
  VideoFormat format;
  int64_t frames = 0;     // handed out by next()
  bool pending = false;   // `frame` holds a decoded picture not yet handed out
  bool flushing = false;  // the demuxer is at its end; the decoder is being drained
  bool y4m = false;
  int64_t data_end = -1;  // end offset of the last packet read (y4m: where whole frames stop)
  AVRational time_base{0, 1};
  int64_t start_time = 0;
  int64_t expected_end = -1;        // the container's length of the stream in time_base, when it says
  int64_t decoded_end = INT64_MIN;  // where the frames decoded so far end, in time_base

  Status error(StatusCode code, const std::string& what) const {
    return Status(code, "cannot read '" + name + "': " + what);
  }
  Status open(const std::string& path);
  Status decode_one();  // into `frame`; sets pending, or leaves it false at the end of the clip
  Status check_end() const;
  void note_end();  // records where the frame in `frame` ends
};

namespace {

// "HH:MM:SS.nnnnnnnnn", the per-track DURATION tag FFmpeg and mkvmerge write into Matroska; -1 if absent.
double matroska_duration_tag(const AVStream* st) {
  const AVDictionaryEntry* tag = av_dict_get(st->metadata, "DURATION", nullptr, 0);
  int h = 0, m = 0;
  double sec = 0;
  if (!tag || std::sscanf(tag->value, "%d:%d:%lf", &h, &m, &sec) != 3) return -1;
  return h * 3600.0 + m * 60.0 + sec;
}

// The stream's length as the container records it, in the stream's time base; -1 when unknown.
// Lengths estimated from the bit rate (ts without an index) are guesses and are ignored.
int64_t recorded_length(const AVFormatContext* demuxer, const AVStream* st) {
  if (demuxer->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) return -1;
  if (st->duration > 0 && st->duration != AV_NOPTS_VALUE) return st->duration;
  const double tagged = matroska_duration_tag(st);
  if (tagged > 0) return static_cast<int64_t>(tagged / av_q2d(st->time_base));
  // The file's length is this stream's only when there is no other stream to be longer.
  if (demuxer->nb_streams == 1 && demuxer->duration > 0 && demuxer->duration != AV_NOPTS_VALUE) {
    return av_rescale_q(demuxer->duration, AV_TIME_BASE_Q, st->time_base);
  }
  return -1;
}

// Decoders may allocate a picture before we see it; they refuse larger ones first.
AVDictionary* decoder_options() {
  AVDictionary* options = nullptr;
  av_dict_set_int(&options, "max_pixels", static_cast<int64_t>(kMaxPixels), 0);
  return options;
}

}  // namespace

Status VideoReader::Impl::open(const std::string& path) {
  name = path == "-" ? "<stdin>" : path;
  BSQ_RETURN_IF_ERROR(with_prefix(source.open(path), "cannot read '" + name + "': "));

  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) return error(StatusCode::kInternal, "out of memory");
  raw->pb = source.io();
  // Playlists and concat scripts (hls, ffconcat) are recognised by content too and would open the
  // files and URLs they list; with no protocol allowed they cannot leave this one file.
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "none", 0);
  // Probing first, apart from opening, tells "not a video" from "a video whose header is damaged or
  // missing" (an mp4 cut before its index, which FFmpeg writes last).
  const AVInputFormat* container = nullptr;
  int err = av_probe_input_buffer2(source.io(), &container, "", nullptr, 0, 0);
  if (err < 0 || !container) {
    avformat_free_context(raw);
    av_dict_free(&options);
    if (err == AVERROR(ENOMEM)) return error(StatusCode::kInternal, "out of memory");
    return error(StatusCode::kInvalidData, "not a video FFmpeg can read");
  }
  // The whitelist is the guard; this only gives the common cases a message that says what they are.
  for (const char* reference : {"concat", "hls", "dash", "sdp"}) {
    if (std::string(container->name) == reference) {
      avformat_free_context(raw);
      av_dict_free(&options);
      return error(StatusCode::kUnsupported,
                   "a " + std::string(reference) + " playlist, not a video (it names other files or streams)");
    }
  }
  err = avformat_open_input(&raw, nullptr, container, &options);
  av_dict_free(&options);
  if (err == AVERROR(ENOMEM)) return error(StatusCode::kInternal, "out of memory");
  if (err < 0) {
    // "mov,mp4,m4a,3gp,3g2,mj2": the first of FFmpeg's names for the demuxer is enough.
    const std::string kind = std::string(container->name).substr(0, std::string(container->name).find(','));
    return error(StatusCode::kInvalidData, "damaged or truncated " + kind + " file (" + av_error_text(err) + ")");
  }
  demuxer.reset(raw);

  // Some containers (ts, avi, raw streams) only reveal sizes and codecs by decoding a little; the
  // probe is bounded by FFmpeg's probesize (5 MB) and by max_pixels in each probe decoder.
  const unsigned streams = demuxer->nb_streams;
  std::unique_ptr<AVDictionary*[]> probe_options(new AVDictionary*[streams > 0 ? streams : 1]());
  for (unsigned i = 0; i < streams; ++i) probe_options[i] = decoder_options();
  err = avformat_find_stream_info(demuxer.get(), probe_options.get());
  for (unsigned i = 0; i < streams; ++i) av_dict_free(&probe_options[i]);
  if (err == AVERROR(ENOMEM)) return error(StatusCode::kInternal, "out of memory");
  if (err < 0) return error(StatusCode::kInvalidData, "damaged or truncated file (" + av_error_text(err) + ")");

  const AVCodec* codec = nullptr;
  stream = av_find_best_stream(demuxer.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream == AVERROR_DECODER_NOT_FOUND) return error(StatusCode::kUnsupported, "this FFmpeg has no decoder for it");
  if (stream < 0 || !codec) return error(StatusCode::kInvalidData, "no video stream in it");
  const AVStream* st = demuxer->streams[stream];
  y4m = std::string(demuxer->iformat->name) == "yuv4mpegpipe";
  if (st->codecpar->width > 0 || st->codecpar->height > 0) {
    BSQ_RETURN_IF_ERROR(
        with_prefix(check_image_size(st->codecpar->width, st->codecpar->height), "cannot read '" + name + "': "));
  }
  // Only this stream's packets are demuxed at all; the rest are dropped inside the demuxer.
  for (unsigned i = 0; i < streams; ++i) {
    if (static_cast<int>(i) != stream) demuxer->streams[i]->discard = AVDISCARD_ALL;
  }

  decoder.reset(avcodec_alloc_context3(codec));
  if (!decoder) return error(StatusCode::kInternal, "out of memory");
  err = avcodec_parameters_to_context(decoder.get(), st->codecpar);
  if (err < 0) return error(StatusCode::kInternal, "cannot set up the decoder");
  decoder->pkt_timebase = st->time_base;
  decoder->thread_count = 0;  // one per core; frame threads hold that many frames, still a bound
  options = decoder_options();
  err = avcodec_open2(decoder.get(), codec, &options);
  av_dict_free(&options);
  if (err < 0) return error(StatusCode::kInvalidData, "cannot open the " + std::string(codec->name) + " decoder");
  packet.reset(av_packet_alloc());
  frame.reset(av_frame_alloc());
  if (!packet || !frame) return error(StatusCode::kInternal, "out of memory");

  BSQ_RETURN_IF_ERROR(decode_one());
  if (!pending) return error(StatusCode::kInvalidData, "it contains no video frame");

  // Rate: the average when the container knows it (exact for mp4, y4m, mkv), else the base rate.
  AVRational rate = st->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = st->r_frame_rate;
  if (rate.num > 0 && rate.den > 0) {
    av_reduce(&format.fps_num, &format.fps_den, rate.num, rate.den, INT32_MAX);
  }
  format.frame_count = st->nb_frames > 0 ? st->nb_frames : -1;
  // The y4m demuxer counts whole frames from the file size, into the duration.
  if (format.frame_count < 0 && y4m && st->duration > 0 && st->duration != AV_NOPTS_VALUE) {
    format.frame_count = st->duration;
  }
  if (format.frame_count > static_cast<int64_t>(kMaxFrames)) {
    return error(StatusCode::kUnsupported, "it has " + std::to_string(format.frame_count) + " frames; the limit is " +
                                               std::to_string(kMaxFrames));
  }
  format.width = frame->width;
  format.height = frame->height;
  // The frame's own ratio when the codec signals one, else the container's; unknown means square.
  const AVRational sar = av_guess_sample_aspect_ratio(demuxer.get(), demuxer->streams[stream], frame.get());
  if (sar.num > 0 && sar.den > 0) av_reduce(&format.sar_num, &format.sar_den, sar.num, sar.den, INT32_MAX);
  const auto pixel_format = static_cast<AVPixelFormat>(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(pixel_format);
  bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
  strip_jpeg_range(pixel_format, &full_range);
  format.full_range = full_range;
  format.color_primaries = frame->color_primaries;
  format.color_transfer = frame->color_trc;
  format.color_matrix = frame->colorspace;
  if (desc && (desc->flags & AV_PIX_FMT_FLAG_RGB) && frame->colorspace == AVCOL_SPC_UNSPECIFIED) {
    format.color_matrix = AVCOL_SPC_RGB;
  }
  format.bit_depth = desc ? desc->comp[0].depth : 8;
  format.codec = avcodec_get_name(st->codecpar->codec_id);
  time_base = st->time_base;
  start_time = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  expected_end = recorded_length(demuxer.get(), st);
  note_end();  // of the first frame, decoded above before the rate was known
  return Status::Ok();
}

Status VideoReader::Impl::decode_one() {
  const std::string at = "frame " + std::to_string(frames + 1);
  while (true) {
    int err = avcodec_receive_frame(decoder.get(), frame.get());
    if (err >= 0) {
      pending = true;
      break;
    }
    if (err == AVERROR_EOF) return check_end();
    if (err != AVERROR(EAGAIN)) return error(StatusCode::kInvalidData, at + " is damaged (" + av_error_text(err) + ")");
    if (flushing) return error(StatusCode::kInternal, "the decoder stalled at " + at);

    err = av_read_frame(demuxer.get(), packet.get());
    if (err == AVERROR_EOF) {
      flushing = true;
      err = avcodec_send_packet(decoder.get(), nullptr);
    } else if (err < 0) {
      // mp4/mov from a pipe: FFmpeg writes the index (moov) last, and a pipe cannot seek back to it.
      const bool mp4_on_pipe = source.size() < 0 && std::string(demuxer->iformat->name).rfind("mov", 0) == 0;
      const std::string hint = mp4_on_pipe ? "; an mp4 with its index at the end cannot come through a pipe" : "";
      return error(StatusCode::kInvalidData,
                   "damaged or truncated data before " + at + " (" + av_error_text(err) + ")" + hint);
    } else if (packet->stream_index != stream) {
      av_packet_unref(packet.get());
      continue;
    } else {
      if (packet->pos >= 0) data_end = packet->pos + packet->size;
      err = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
    }
    if (err < 0 && err != AVERROR(EAGAIN)) {
      return error(StatusCode::kInvalidData, "damaged data at " + at + " (" + av_error_text(err) + ")");
    }
  }

  if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
    return error(StatusCode::kInvalidData, at + " is damaged (the decoder had to conceal errors)");
  }
  if (frames > 0 || format.width > 0) {
    if (frame->width != format.width || frame->height != format.height) {
      return error(StatusCode::kInvalidData, at + " is " + std::to_string(frame->width) + "x" +
                                                 std::to_string(frame->height) + " but the clip is " +
                                                 std::to_string(format.width) + "x" + std::to_string(format.height) +
                                                 " (frame size changes are not supported)");
    }
  }
  if (frames >= static_cast<int64_t>(kMaxFrames)) {
    return error(StatusCode::kUnsupported, "it has more than " + std::to_string(kMaxFrames) + " frames, the limit");
  }
  if (time_base.num > 0) note_end();
  return Status::Ok();
}

void VideoReader::Impl::note_end() {
  const int64_t ts = frame->best_effort_timestamp;
  if (ts == AV_NOPTS_VALUE || format.fps_num <= 0) return;
  // A frame without its own duration (often the last one) lasts the nominal frame time.
  int64_t duration = frame->pkt_duration;
  if (duration <= 0) duration = av_rescale_q(1, AVRational{format.fps_den, format.fps_num}, time_base);
  decoded_end = std::max(decoded_end, ts - start_time + duration);
}

// At the end of the stream: most demuxers stop quietly at a cut, so compare with what the file said.
Status VideoReader::Impl::check_end() const {
  // y4m frames have a fixed size: bytes after the last whole frame are a cut frame.
  if (y4m && source.size() > 0 && data_end >= 0 && data_end < source.size()) {
    return error(StatusCode::kInvalidData, "truncated: " + std::to_string(source.size() - data_end) +
                                               " bytes after frame " + std::to_string(frames) +
                                               " are not a whole frame");
  }
  // Matroska, WebM and others stop quietly at a cut cluster; their recorded length tells. Half a
  // frame of slack absorbs timestamp rounding (Matroska stores milliseconds).
  if (expected_end > 0 && decoded_end != INT64_MIN && format.fps_num > 0) {
    const int64_t half_frame = av_rescale_q(1, AVRational{format.fps_den, format.fps_num}, time_base) / 2;
    if (decoded_end < expected_end - half_frame) {
      char text[128];
      std::snprintf(text, sizeof(text),
                    "truncated: the container says the clip lasts %.3f s but its %lld frames end at %.3f s",
                    expected_end * av_q2d(time_base), static_cast<long long>(frames), decoded_end * av_q2d(time_base));
      return error(StatusCode::kInvalidData, text);
    }
  }
  // Where timestamps said how far the frames reach, the count is no evidence: an AVI's drop chunks
  // (the dev clip tree.avi: 68 pictures, 444 listed) are counted but give no packet.
  const bool timed = expected_end > 0 && decoded_end != INT64_MIN && format.fps_num > 0;
  if (!timed && format.frame_count > 0 && frames < format.frame_count) {
    return error(StatusCode::kInvalidData, "truncated: the container lists " + std::to_string(format.frame_count) +
                                               " frames but only " + std::to_string(frames) + " could be decoded");
  }
  return Status::Ok();
}

VideoReader::VideoReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;
VideoReader::~VideoReader() = default;

StatusOr<VideoReader> VideoReader::open(const std::string& path) {
  quiet_ffmpeg_logs();
  auto impl = std::make_unique<Impl>();
  BSQ_RETURN_IF_ERROR(impl->open(path));
  return VideoReader(std::move(impl));
}

StatusOr<bool> VideoReader::next(Image* out) {
  Impl& d = *impl_;
  if (!d.pending) BSQ_RETURN_IF_ERROR(d.decode_one());
  if (!d.pending) return false;
  d.pending = false;
  Status st = d.to_rgb.convert(*d.frame, out);
  av_frame_unref(d.frame.get());
  if (!st.ok()) return d.error(st.code(), "frame " + std::to_string(d.frames + 1) + ": " + st.message());
  ++d.frames;
  return true;
}

const VideoFormat& VideoReader::format() const { return impl_->format; }
int64_t VideoReader::frames_read() const { return impl_->frames; }

}  // namespace bsq::media

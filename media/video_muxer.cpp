// Muxed outputs: RGB8 -> RgbToFrame -> encoder -> muxer -> a StagedFile (or stdout). The container
// follows the extension; y4m and mkv get fixed, exact-as-possible settings (see video_io.h).
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "ffmpeg_util.h"
#include "frame_converter.h"
#include "staged_file.h"
#include "video_sinks.h"

namespace bsq::media::detail {
namespace {

struct OutputFreer {
  void operator()(AVFormatContext* p) const {
    if (!p) return;
    if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};
using OutputPtr = std::unique_ptr<AVFormatContext, OutputFreer>;

// What goes into the file, decided from the path before anything is opened.
struct Target {
  const AVOutputFormat* muxer = nullptr;
  const AVCodec* encoder = nullptr;
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
  int matrix = AVCOL_SPC_UNSPECIFIED;  // used for YUV formats; AVCOL_SPC_RGB for RGB ones
  bool full_range = false;
};

bool is_yuv_matrix(int m) {
  return m == AVCOL_SPC_BT709 || m == AVCOL_SPC_BT470BG || m == AVCOL_SPC_SMPTE170M || m == AVCOL_SPC_SMPTE240M ||
         m == AVCOL_SPC_FCC || m == AVCOL_SPC_BT2020_NCL;
}

// A lossy codec's pixel format: 4:2:0 where it can (what players expect), else the codec's closest to RGB.
AVPixelFormat pick_pixel_format(const AVCodec* encoder, const VideoFormat& format) {
  const AVPixelFormat* list = encoder->pix_fmts;
  if (!list) return AV_PIX_FMT_YUV420P;
  const bool even = format.width % 2 == 0 && format.height % 2 == 0;
  for (const AVPixelFormat* p = list; *p != AV_PIX_FMT_NONE; ++p) {
    if (*p == AV_PIX_FMT_YUV420P && even) return *p;
  }
  int loss = 0;
  return avcodec_find_best_pix_fmt_of_list(list, AV_PIX_FMT_RGB24, 0, &loss);
}

StatusOr<Target> target_for(const std::string& path, const VideoFormat& format) {
  const std::string ext = path == "-" ? "y4m" : extension_of(path);
  Target t;
  if (ext == "y4m") {
    // y4m has no matrix field and readers assume BT.601; full range keeps the most of 8-bit RGB.
    t.muxer = av_guess_format("yuv4mpegpipe", nullptr, nullptr);
    t.encoder = avcodec_find_encoder(AV_CODEC_ID_WRAPPED_AVFRAME);  // the only input the y4m muxer takes
    t.pixel_format = AV_PIX_FMT_YUV444P;
    t.matrix = AVCOL_SPC_SMPTE170M;
    t.full_range = true;
  } else if (ext == "mkv") {
    t.muxer = av_guess_format("matroska", nullptr, nullptr);
    t.encoder = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    t.pixel_format = AV_PIX_FMT_0RGB32;  // bgr0 in memory: packed RGB, so conversion is a copy
    t.matrix = AVCOL_SPC_RGB;
  } else {
    t.muxer = ext.empty() ? nullptr : av_guess_format(nullptr, path.c_str(), nullptr);
    if (!t.muxer || (t.muxer->flags & AVFMT_NOFILE) || t.muxer->video_codec == AV_CODEC_ID_NONE) {
      const std::string what = ext.empty() ? "no file extension" : "no video container for '." + ext + "'";
      return Status(StatusCode::kInvalidArgument,
                    what + " (use .y4m, .mkv, .mp4, .avi, .webm, ... or a sequence such as frame%04d.png)");
    }
    t.encoder = avcodec_find_encoder(t.muxer->video_codec);
    if (t.encoder) t.pixel_format = pick_pixel_format(t.encoder, format);
    t.matrix = is_yuv_matrix(format.color_matrix) ? format.color_matrix : AVCOL_SPC_BT709;
    t.full_range = format.full_range;
  }
  if (!t.muxer || !t.encoder) return Status(StatusCode::kUnsupported, "this FFmpeg has no encoder for '." + ext + "'");
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(t.pixel_format);
  if (!desc)
    return Status(StatusCode::kUnsupported, "no pixel format for the " + std::string(t.encoder->name) + " encoder");
  if (!is_color_yuv(desc)) {
    t.matrix = AVCOL_SPC_RGB;
    t.full_range = false;  // range describes YUV levels; leave RGB untagged
  }
  return t;
}

class MuxerSink final : public VideoSink {
 public:
  Status open(const std::string& path, const VideoFormat& format, bool overwrite);
  Status write(const Image& frame) override;
  Status finish() override;

 private:
  Status drain(bool flushing);

  StagedFile staged_;  // declared first: the muxer closes its file before the temporary is removed
  OutputPtr muxer_;
  CodecContextPtr encoder_;
  PacketPtr packet_;
  RgbToFrame to_frame_;
  AVStream* stream_ = nullptr;
  bool to_stdout_ = false;
  int64_t next_pts_ = 0;
};

Status MuxerSink::open(const std::string& path, const VideoFormat& format, bool overwrite) {
  BSQ_RETURN_IF_ERROR(check_image_size(format.width, format.height));
  StatusOr<Target> target_or = target_for(path, format);
  if (!target_or.ok()) return target_or.status();
  const Target& t = target_or.value();
  to_stdout_ = path == "-";
  if (!to_stdout_) BSQ_RETURN_IF_ERROR(staged_.create(path, overwrite));

  AVFormatContext* raw = nullptr;
  int err = avformat_alloc_output_context2(&raw, t.muxer, nullptr, nullptr);
  if (err < 0) return av_status(StatusCode::kInternal, "cannot set up the muxer", err);
  muxer_.reset(raw);
  stream_ = avformat_new_stream(raw, nullptr);
  encoder_.reset(avcodec_alloc_context3(t.encoder));
  packet_.reset(av_packet_alloc());
  if (!stream_ || !encoder_ || !packet_) return Status(StatusCode::kInternal, "out of memory");

  // 0/1 means the source did not say; 25/1 is FFmpeg's own default then.
  AVRational rate{format.fps_num, format.fps_den};
  if (rate.num <= 0 || rate.den <= 0) rate = AVRational{25, 1};
  AVCodecContext* c = encoder_.get();
  c->width = format.width;
  c->height = format.height;
  c->pix_fmt = t.pixel_format;
  c->time_base = av_inv_q(rate);
  c->framerate = rate;
  c->sample_aspect_ratio =
      format.sar_num > 0 && format.sar_den > 0 ? AVRational{format.sar_num, format.sar_den} : AVRational{1, 1};
  // Unknown code points would make some muxers fail; they are stored as "unspecified" instead.
  c->color_primaries = av_color_primaries_name(static_cast<AVColorPrimaries>(format.color_primaries))
                           ? static_cast<AVColorPrimaries>(format.color_primaries)
                           : AVCOL_PRI_UNSPECIFIED;
  c->color_trc = av_color_transfer_name(static_cast<AVColorTransferCharacteristic>(format.color_transfer))
                     ? static_cast<AVColorTransferCharacteristic>(format.color_transfer)
                     : AVCOL_TRC_UNSPECIFIED;
  c->colorspace = static_cast<AVColorSpace>(t.matrix);
  c->color_range =
      t.full_range ? AVCOL_RANGE_JPEG : (t.matrix == AVCOL_SPC_RGB ? AVCOL_RANGE_UNSPECIFIED : AVCOL_RANGE_MPEG);
  c->thread_count = 0;
  if (t.muxer->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* options = nullptr;
  if (t.encoder->id == AV_CODEC_ID_FFV1) {
    av_dict_set(&options, "level", "3", 0);  // slices (threads) and a CRC per slice
    av_dict_set(&options, "slicecrc", "1", 0);
  }
  err = avcodec_open2(c, t.encoder, &options);
  av_dict_free(&options);
  if (err < 0)
    return av_status(StatusCode::kUnsupported, "cannot open the " + std::string(t.encoder->name) + " encoder", err);
  err = avcodec_parameters_from_context(stream_->codecpar, c);
  if (err < 0) return av_status(StatusCode::kInternal, "cannot set up the stream", err);
  stream_->time_base = c->time_base;
  stream_->sample_aspect_ratio = c->sample_aspect_ratio;  // muxers read the stream's, not the codec's
  stream_->avg_frame_rate = rate;
  stream_->r_frame_rate = rate;
  BSQ_RETURN_IF_ERROR(to_frame_.init(format.width, format.height, t.pixel_format, t.matrix, t.full_range));

  // "file:" keeps a ':' in our temporary name from being read as a protocol.
  const std::string url = to_stdout_ ? std::string("pipe:1") : "file:" + staged_.temp_path();
  muxer_->url = av_strdup(url.c_str());  // faststart reopens the file by this name to move the index
  if (!muxer_->url) return Status(StatusCode::kInternal, "out of memory");
  err = avio_open(&muxer_->pb, url.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) return av_status(StatusCode::kIoError, "cannot open for writing", err);
  // mp4/mov: the index moves to the front at finish (our temporary file can seek), so the result can
  // be played or read while it arrives through a pipe.
  AVDictionary* muxer_options = nullptr;
  if (std::string(muxer_->oformat->name) == "mp4" || std::string(muxer_->oformat->name) == "mov") {
    av_dict_set(&muxer_options, "movflags", "+faststart", 0);
  }
  err = avformat_write_header(muxer_.get(), &muxer_options);
  av_dict_free(&muxer_options);
  if (err < 0) return av_status(StatusCode::kIoError, "cannot write the header", err);
  return Status::Ok();
}

Status MuxerSink::write(const Image& frame) {
  StatusOr<FramePtr> converted = to_frame_.convert(frame);
  if (!converted.ok()) {
    return Status(converted.status().code(),
                  "frame " + std::to_string(next_pts_ + 1) + ": " + converted.status().message());
  }
  AVFrame* f = converted.value().get();
  f->pts = next_pts_++;
  f->color_range = encoder_->color_range;
  f->colorspace = encoder_->colorspace;
  f->color_primaries = encoder_->color_primaries;
  f->color_trc = encoder_->color_trc;
  const int err = avcodec_send_frame(encoder_.get(), f);
  if (err < 0) return av_status(StatusCode::kInternal, "encoding failed", err);
  return drain(false);
}

// Moves every packet the encoder has ready into the muxer.
Status MuxerSink::drain(bool flushing) {
  while (true) {
    int err = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (err == AVERROR(EAGAIN) && !flushing) return Status::Ok();
    if (err == AVERROR_EOF) return Status::Ok();
    if (err < 0) return av_status(StatusCode::kInternal, "encoding failed", err);
    av_packet_rescale_ts(packet_.get(), encoder_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    err = av_interleaved_write_frame(muxer_.get(), packet_.get());  // takes the packet's reference
    if (err < 0) return av_status(StatusCode::kIoError, "write failed", err);
  }
}

Status MuxerSink::finish() {
  int err = avcodec_send_frame(encoder_.get(), nullptr);
  if (err < 0) return av_status(StatusCode::kInternal, "encoding failed", err);
  BSQ_RETURN_IF_ERROR(drain(true));
  err = av_write_trailer(muxer_.get());
  if (err < 0) return av_status(StatusCode::kIoError, "cannot write the trailer", err);
  avio_flush(muxer_->pb);
  const int write_err = muxer_->pb->error;
  err = avio_closep(&muxer_->pb);
  if (write_err < 0) return av_status(StatusCode::kIoError, "write failed", write_err);
  if (err < 0) return av_status(StatusCode::kIoError, "close failed", err);
  if (!to_stdout_) BSQ_RETURN_IF_ERROR(staged_.commit());
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<VideoSink>> open_muxer_sink(const std::string& path, const VideoFormat& format,
                                                     bool overwrite) {
  auto sink = std::make_unique<MuxerSink>();
  BSQ_RETURN_IF_ERROR(sink->open(path, format, overwrite));
  return std::unique_ptr<VideoSink>(std::move(sink));
}

}  // namespace bsq::media::detail

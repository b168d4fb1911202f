// VideoWriter: picks the sink for the path (image sequence or muxer), names the file in every
// message, and refuses use after an error or after finish().
#include <memory>
#include <string>
#include <utility>

#include "ffmpeg_util.h"
#include "video_io.h"
#include "video_sinks.h"

namespace bsq::media {

struct VideoWriter::Impl {
  std::string name;
  std::unique_ptr<detail::VideoSink> sink;
  int64_t frames = 0;
  bool done = false;  // finished, or failed: the sink is not used again

  Status fail(const Status& st) {
    done = true;
    sink.reset();  // discards the temporary file now rather than at destruction
    return detail::with_prefix(st, "cannot write '" + name + "': ");
  }
};

VideoWriter::VideoWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;
VideoWriter::~VideoWriter() = default;

StatusOr<VideoWriter> VideoWriter::open(const std::string& path, const VideoFormat& format, bool overwrite) {
  detail::quiet_ffmpeg_logs();
  auto impl = std::make_unique<Impl>();
  impl->name = path == "-" ? "<stdout>" : path;
  StatusOr<std::unique_ptr<detail::VideoSink>> sink = detail::is_sequence_pattern(path)
                                                          ? detail::open_sequence_sink(path, format, overwrite)
                                                          : detail::open_muxer_sink(path, format, overwrite);
  if (!sink.ok()) return impl->fail(sink.status());
  impl->sink = std::move(sink).value();
  return VideoWriter(std::move(impl));
}

Status VideoWriter::write(const Image& frame) {
  Impl& d = *impl_;
  if (d.done)
    return Status(StatusCode::kInvalidArgument, "cannot write '" + d.name + "': writer already finished or failed");
  if (d.frames >= static_cast<int64_t>(kMaxFrames)) {
    return d.fail(Status(StatusCode::kUnsupported, "more than " + std::to_string(kMaxFrames) + " frames, the limit"));
  }
  Status st = d.sink->write(frame);
  if (!st.ok()) return d.fail(st);
  ++d.frames;
  return Status::Ok();
}

Status VideoWriter::finish() {
  Impl& d = *impl_;
  if (d.done)
    return Status(StatusCode::kInvalidArgument, "cannot write '" + d.name + "': writer already finished or failed");
  Status st = d.sink->finish();
  if (!st.ok()) return d.fail(st);
  d.done = true;
  d.sink.reset();
  return Status::Ok();
}

int64_t VideoWriter::frames_written() const { return impl_->frames; }

}  // namespace bsq::media

// FFmpeg error codes to Status, and the one-time log level change.
#include "ffmpeg_util.h"

#include <mutex>

namespace bsq::media::detail {

std::string av_error_text(int errnum) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(errnum, text, sizeof(text)) < 0) return "FFmpeg error " + std::to_string(errnum);
  return text;
}

Status av_status(StatusCode code, const std::string& what, int errnum) {
  if (errnum == AVERROR(ENOMEM)) code = StatusCode::kInternal;
  return Status(code, what + ": " + av_error_text(errnum));
}

Status with_prefix(const Status& status, const std::string& prefix) {
  if (status.ok()) return status;
  return Status(status.code(), prefix + status.message());
}

void quiet_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Decoders log every rejected probe and damaged byte at AV_LOG_ERROR; our Status already says it in
    // one line. A host that set its own level (e.g. -v debug in a tool) keeps it.
    if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_QUIET);
  });
}

}  // namespace bsq::media::detail

// FFmpeg error codes to Status, the one-time log level change, output paths.
#include "ffmpeg_util.h"

#include <cctype>
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

std::string extension_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace bsq::media::detail

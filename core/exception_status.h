// Exceptions turned into a Status at the library boundary, one way everywhere: LibTorch and the
// standard library throw, callers get a one-line message. Internal: not installed.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "bsq/status.h"

namespace bsq {

// "context: first line of e.what()": LibTorch's messages carry a backtrace after the first line.
inline Status exception_status(StatusCode code, std::string_view context, const std::exception& e) {
  const std::string what = e.what();
  return Status(code, std::string(context) + ": " + what.substr(0, what.find('\n')));
}

}  // namespace bsq

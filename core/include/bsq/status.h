// Error values for the library boundary: a Status carries a code and a one-line message.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace bsq {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (bad size, bad option)
  kIoError,          // a file could not be opened, read or written
  kInvalidData,      // the input exists but is not what it claims to be
  kModelMismatch,    // a stream or file names another model
  kUnsupported,      // valid, but not something this build can handle
  kInternal,         // a bug or an unexpected failure inside a dependency
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // value() and operator-> on an error are a caller's bug, not bad input: as absl::StatusOr, they
  // print the status and abort rather than read an empty optional (undefined behaviour).
  T& value() & { return check(), *value_; }
  const T& value() const& { return check(), *value_; }
  T&& value() && { return check(), std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void check() const {
    if (value_.has_value()) return;
    std::fprintf(stderr, "bsq: StatusOr::value() on an error: %s\n",
                 status_.message().empty() ? "(no message)" : status_.message().c_str());
    std::abort();
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace bsq

#define BSQ_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::bsq::Status bsq_status_ = (expr);        \
    if (!bsq_status_.ok()) return bsq_status_; \
  } while (0)

// The elapsed-time line: a thread that sleeps a second, then redraws every tenth of a second.
#include "progress_line.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <utility>

namespace bsq::cli {

ProgressLine::ProgressLine(std::string program, std::string what, bool enabled)
    : program_(std::move(program)), what_(std::move(what)) {
  if (enabled && isatty(STDERR_FILENO)) thread_ = std::thread([this] { run(); });
}

ProgressLine::~ProgressLine() { stop(); }

void ProgressLine::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressLine::run() {
  using namespace std::chrono;
  const auto start = steady_clock::now();
  constexpr const char* kSpinner = "|/-\\";
  bool shown = false;
  std::unique_lock<std::mutex> lock(mutex_);
  // Nothing for the first second: most images are done by then.
  if (wake_.wait_for(lock, seconds(1), [this] { return done_; })) return;
  for (int tick = 0; !done_; ++tick) {
    const double elapsed = duration<double>(steady_clock::now() - start).count();
    fmt::print(stderr, "\r{}: {} {} {:.1f} s\x1b[K", program_, what_, kSpinner[tick % 4], elapsed);
    std::fflush(stderr);
    shown = true;
    wake_.wait_for(lock, milliseconds(100), [this] { return done_; });
  }
  if (shown) {
    fmt::print(stderr, "\r\x1b[K");  // erase it, so the summary or an error stays one clean line
    std::fflush(stderr);
  }
}

}  // namespace bsq::cli

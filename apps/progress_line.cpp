// The elapsed-time line: a thread that sleeps a second, then redraws every tenth of a second.
#include "progress_line.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
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

void ProgressLine::frames(int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  frames_done_ = done;
  frames_total_ = total;
}

// "frame 12/300, 4.1 frames/s, 1:10 left"; "frame 12, 4.1 frames/s" when the length is unknown.
namespace {
std::string frame_text(int64_t done, int64_t total, double elapsed) {
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::string text = total > 0 ? fmt::format("frame {}/{}", done, total) : fmt::format("frame {}", done);
  text += fmt::format(", {:.1f} frames/s", rate);
  if (total > 0 && rate > 0 && done < total) {
    const auto left = static_cast<int64_t>(static_cast<double>(total - done) / rate + 0.5);
    text += left >= 3600 ? fmt::format(", {}:{:02}:{:02} left", left / 3600, left / 60 % 60, left % 60)
                         : fmt::format(", {}:{:02} left", left / 60, left % 60);
  }
  return text;
}
}  // namespace

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
    if (frames_done_ >= 0)
      fmt::print(stderr, "\r{}: {} {} {}\x1b[K", program_, what_, kSpinner[tick % 4],
                 frame_text(frames_done_, frames_total_, elapsed));
    else
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

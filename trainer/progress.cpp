// Progress output on stderr.
#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace bsq::train {
namespace {

std::string clock_text(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

Progress::Progress(int64_t first_step, int64_t total_steps, int64_t log_every)
    : tty_(isatty(STDERR_FILENO) != 0),
      first_(first_step),
      total_(total_steps),
      log_every_(log_every),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(int64_t step, double loss, double train_psnr, double hardness) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = (step - first_) / std::max(elapsed, 1e-9);
  const double eta = rate > 0 ? (total_ - step) / rate : 0;
  const std::string stats = fmt::format("{}/{} {:.2f} step/s loss {:.5f} psnr {:.2f} hard {:.2f} eta {}", step, total_,
                                        rate, loss, train_psnr, hardness, clock_text(eta));
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * step / std::max<int64_t>(1, total_));
    fmt::print(stderr, "\r[{}{}] {}\x1b[K", std::string(filled, '#'), std::string(kWidth - filled, '.'), stats);
    std::fflush(stderr);
    bar_shown_ = true;
  } else if (step % log_every_ == 0 || step == total_) {
    fmt::print(stderr, "step {}\n", stats);
  }
}

void Progress::message(const std::string& line) {
  if (bar_shown_) fmt::print(stderr, "\r\x1b[K");
  fmt::print(stderr, "{}\n", line);
}

void Progress::finish() {
  if (bar_shown_) fmt::print(stderr, "\n");
  bar_shown_ = false;
}

}  // namespace bsq::train

// Training progress: a one-line bar with rate, loss and ETA on a terminal, log lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bsq::train {

class Progress {
 public:
  Progress(int64_t first_step, int64_t total_steps, int64_t log_every);
  void update(int64_t step, double loss, double train_psnr, double hardness);
  void message(const std::string& line);  // a full line above the bar
  void finish();

 private:
  bool tty_;
  int64_t first_, total_, log_every_;
  std::chrono::steady_clock::time_point start_;
  bool bar_shown_ = false;
};

}  // namespace bsq::train

// "bsqenc: encoding 3.2 s" on stderr while one long library call runs, so a terminal user sees life.
//
// A still image is a single library call with no progress callback, so the line shows elapsed time,
// not a fraction. A video is coded frame by frame: after each frame the caller calls frames(), and
// the line shows the frame count, frames per second and, when the clip's length is known, the time
// left. It appears only when stderr is a terminal, not in --quiet, and only once the work has taken
// a second: quick runs and logs stay clean.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace bsq::cli {

class ProgressLine {
 public:
  ProgressLine(std::string program, std::string what, bool enabled);
  ~ProgressLine();  // stops and erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void stop();
  // Frames done so far, of `total` (-1: unknown).
  void frames(int64_t done, int64_t total);

 private:
  void run();

  std::string program_, what_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  int64_t frames_done_ = -1, frames_total_ = -1;  // -1: not a video
  std::thread thread_;
};

}  // namespace bsq::cli

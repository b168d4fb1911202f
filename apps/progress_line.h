// "bsqenc: encoding 3.2 s" on stderr while one long library call runs, so a terminal user sees life.
//
// The library call is a single step with no progress callback, so this shows elapsed time, not a
// fraction. It appears only when stderr is a terminal, not in --quiet, and only once the work has
// taken a second: quick runs and logs stay clean.
#pragma once

#include <condition_variable>
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

 private:
  void run();

  std::string program_, what_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace bsq::cli

// Temporary paths for tests, under $TMPDIR (or /tmp), one directory per process.
#include "tiny_model.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace bsq::testing {

std::string temp_path(const std::string& name) {
  const char* base = std::getenv("TMPDIR");
  const auto dir = std::filesystem::path(base ? base : "/tmp") / ("bsq_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace bsq::testing

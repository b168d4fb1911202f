// Test pictures, and temporary paths for tests under $TMPDIR (or /tmp), one directory per process.
#include "tiny_model.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>

namespace bsq::testing {

Image random_walk_image(int w, int h, unsigned seed) {
  Image img(w, h);
  std::mt19937 rng(seed);
  int v = 128;
  for (auto& p : img.rgb) p = static_cast<uint8_t>(v = std::clamp(v + static_cast<int>(rng() % 31) - 15, 0, 255));
  return img;
}

std::string temp_path(const std::string& name) {
  const char* base = std::getenv("TMPDIR");
  const auto dir = std::filesystem::path(base ? base : "/tmp") / ("bsq_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace bsq::testing

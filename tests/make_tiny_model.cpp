// bsq_make_tiny_model SEED OUTPUT.bsqm [MIN_BITS]: a tiny random model (tests/tiny_model.h), so the
// command-line tests run the real binaries end to end in milliseconds without the shipped model.
// MIN_BITS > 0 makes it a nested-bit model (several rates).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tiny_model.h"
#include "tiny_model_file.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: bsq_make_tiny_model SEED OUTPUT.bsqm [MIN_BITS]\n");
    return 2;
  }
  char* end = nullptr;
  const unsigned long long seed = std::strtoull(argv[1], &end, 10);
  if (end == argv[1] || *end != '\0') {
    std::fprintf(stderr, "bsq_make_tiny_model: SEED must be a number, not '%s'\n", argv[1]);
    return 2;
  }
  auto config = bsq::testing::tiny_config();
  if (argc == 4) config.min_bits = std::atoi(argv[3]);
  if (const auto valid = config.validate(); !valid.ok()) {
    std::fprintf(stderr, "bsq_make_tiny_model: %s\n", valid.message().c_str());
    return 2;
  }
  std::error_code ec;  // the fixture writes into a fresh build directory
  if (const auto dir = std::filesystem::path(argv[2]).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir, ec);
  const bsq::Status saved = bsq::testing::save_tiny_model(argv[2], seed, config);
  if (!saved.ok()) {
    std::fprintf(stderr, "bsq_make_tiny_model: %s\n", saved.message().c_str());
    return 1;
  }
  return 0;
}

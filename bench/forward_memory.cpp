// Measures one encode + decode of a WIDTHxHEIGHT noise image: wall time and peak resident memory.
// Usage: bsq_forward_memory MODEL WIDTH HEIGHT [THREADS]; prints "width height megapixels seconds peak_mib".
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "bsq/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr, "usage: {} MODEL WIDTH HEIGHT [THREADS]\n", argv[0]);
    return 2;
  }
  const int width = std::atoi(argv[2]), height = std::atoi(argv[3]);
  bsq::RuntimeOptions runtime;
  runtime.threads = argc > 4 ? std::atoi(argv[4]) : 0;
  auto tokenizer = bsq::Tokenizer::open(argv[1], runtime);
  if (!tokenizer.ok()) {
    fmt::print(stderr, "{}\n", tokenizer.status().message());
    return 1;
  }
  if (width < 1 || height < 1) {
    fmt::print(stderr, "bad size\n");
    return 2;
  }
  bsq::Image image(width, height);
  std::mt19937 rng(1);
  for (auto& v : image.rgb) v = static_cast<uint8_t>(rng());
  const auto start = std::chrono::steady_clock::now();
  auto grid = tokenizer->encode(image);
  if (!grid.ok()) return fmt::print(stderr, "{}\n", grid.status().message()), 1;
  auto back = tokenizer->decode(grid.value());
  if (!back.ok()) return fmt::print(stderr, "{}\n", back.status().message()), 1;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print("{} {} {:.3f} {:.2f} {:.0f}\n", width, height, width * static_cast<double>(height) / 1e6, seconds,
             usage.ru_maxrss / 1024.0);
  return 0;
}

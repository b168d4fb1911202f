// PSNR over all channels of 8-bit RGB, accumulated in integers so it is exact and repeatable.
#include "bsq/metrics.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace bsq {

StatusOr<double> mse(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size() || a.rgb.empty())
    return Status(StatusCode::kInvalidArgument, "metrics: images differ in size or are empty");
  uint64_t sum = 0;  // 2^28 pixels * 3 * 255^2 < 2^64
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    const int d = static_cast<int>(a.rgb[i]) - static_cast<int>(b.rgb[i]);
    sum += static_cast<uint64_t>(d * d);
  }
  return static_cast<double>(sum) / static_cast<double>(a.rgb.size());
}

StatusOr<double> psnr(const Image& a, const Image& b) {
  auto e = mse(a, b);
  if (!e.ok()) return e.status();
  if (e.value() == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / e.value());
}

}  // namespace bsq

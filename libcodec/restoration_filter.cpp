// The restoration filter: classes, the filter itself, and the encoder's least-squares design
// (restoration_filter.h).
#include "restoration_filter.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "bsq/metrics.h"
#include "colour_planes.h"

namespace bsq::codec_detail {

namespace {

using entropy::FilterParams;
using entropy::kFilterTaps;
using entropy::PlaneFilter;

constexpr int kClassBlock = 4;
// The second of each symmetric pair of the diamond's taps: (dy, dx) > (0, 0) with |dy| + |dx| <= 3.
constexpr int kOffsets[kFilterTaps][2] = {{0, 1}, {0, 2}, {0, 3},  {1, -2}, {1, -1}, {1, 0},
                                          {1, 1}, {1, 2}, {2, -1}, {2, 0},  {2, 1},  {3, 0}};
constexpr int kReach = 3;
constexpr int kFeatures = kFilterTaps + 2;  // the pairs, the sample itself (gain), 1 (bias)
constexpr int64_t kOne = 32768;             // corrections are in 1/kOne of a plane's unit
constexpr int kTapScale = 128, kBiasScale = 16;

// The picture's colour planes, as integers (|value| <= 765).
struct Planes {
  int width = 0, height = 0;
  std::vector<int16_t> p[kColourPlanes];
  int sample(int k, int x, int y) const {
    x = std::clamp(x, 0, width - 1);
    y = std::clamp(y, 0, height - 1);
    return p[k][static_cast<size_t>(y) * width + x];
  }
};

Planes planes_of(const Image& image) {
  Planes out{image.width, image.height, {}};
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (auto& plane : out.p) plane.resize(n);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* row = image.row(y);
    for (int x = 0; x < image.width; ++x) {
      const size_t i = static_cast<size_t>(y) * image.width + x;
      for (int k = 0; k < kColourPlanes; ++k)
        out.p[k][i] = static_cast<int16_t>(kColourAxes[k][0] * row[3 * x] + kColourAxes[k][1] * row[3 * x + 1] +
                                           kColourAxes[k][2] * row[3 * x + 2]);
    }
  }
  return out;
}

// The activity of every 4x4 block of the first plane, row-major over the blocks.
std::vector<uint32_t> block_activity(const Planes& planes, int* blocks_x) {
  const int bx = (planes.width + kClassBlock - 1) / kClassBlock, by = (planes.height + kClassBlock - 1) / kClassBlock;
  std::vector<uint32_t> activity(static_cast<size_t>(bx) * by, 0);
  const int w = planes.width;
  for (int y = 0; y < planes.height; ++y) {
    const int16_t* row = planes.p[0].data() + static_cast<size_t>(y) * w;
    const int16_t* up = y > 0 ? row - w : row;
    const int16_t* down = y + 1 < planes.height ? row + w : row;
    uint32_t* out = activity.data() + static_cast<size_t>(y / kClassBlock) * bx;
    for (int x = 0; x < w; ++x) {
      const int c = 2 * row[x];
      const int left = row[x > 0 ? x - 1 : 0], right = row[x + 1 < w ? x + 1 : x];
      out[x / kClassBlock] += static_cast<uint32_t>(std::abs(c - left - right) + std::abs(c - up[x] - down[x]));
    }
  }
  *blocks_x = bx;
  return activity;
}

int class_of(const std::vector<uint32_t>& thresholds, uint32_t activity) {
  return static_cast<int>(std::upper_bound(thresholds.begin(), thresholds.end(), activity) - thresholds.begin());
}

// The filter's inputs at one sample: the pairs' second differences, the sample, 1.
void features(const Planes& planes, int k, int x, int y, int32_t* f) {
  const int c = planes.sample(k, x, y);
  f[kFilterTaps] = c;
  f[kFilterTaps + 1] = 1;
  if (x >= kReach && y >= kReach && x < planes.width - kReach && y < planes.height - kReach) {
    const int16_t* at = planes.p[k].data() + static_cast<size_t>(y) * planes.width + x;
    for (int j = 0; j < kFilterTaps; ++j) {
      const ptrdiff_t d = static_cast<ptrdiff_t>(kOffsets[j][0]) * planes.width + kOffsets[j][1];
      f[j] = at[d] + at[-d] - 2 * c;
    }
    return;
  }
  for (int j = 0; j < kFilterTaps; ++j) {
    const int dy = kOffsets[j][0], dx = kOffsets[j][1];
    f[j] = planes.sample(k, x + dx, y + dy) + planes.sample(k, x - dx, y - dy) - 2 * c;
  }
}

int64_t correction(const PlaneFilter& filter, const int32_t* f) {
  int64_t s = 0;
  for (int j = 0; j < kFilterTaps; ++j) s += int64_t{filter.taps[j]} * f[j];
  return s * (kOne / kTapScale) + int64_t{filter.gain} * f[kFilterTaps] + int64_t{filter.bias} * (kOne / kBiasScale);
}

// Nearest integer to a / b (b > 0), halves up.
int64_t round_div(int64_t a, int64_t b) {
  const int64_t n = a + b / 2;
  return n >= 0 ? n / b : -((-n + b - 1) / b);
}

}  // namespace

void apply_filter(const FilterParams& filter, Image* picture) {
  const Planes planes = planes_of(*picture);
  int blocks_x = 0;
  const std::vector<uint32_t> activity = block_activity(planes, &blocks_x);
  const int classes = static_cast<int>(filter.thresholds.size()) + 1;
  int32_t f[kFeatures];
  for (int y = 0; y < picture->height; ++y) {
    uint8_t* row = picture->row(y);
    for (int x = 0; x < picture->width; ++x) {
      int64_t c[kColourPlanes];
      const uint32_t a = activity[static_cast<size_t>(y / kClassBlock) * blocks_x + x / kClassBlock];
      for (int k = 0; k < kColourPlanes; ++k) {
        const PlaneFilter& pf = filter.filters[k == 0 ? class_of(filter.thresholds, a) : classes + k - 1];
        c[k] = 0;
        if (!pf.on) continue;
        features(planes, k, x, y, f);
        c[k] = correction(pf, f);
      }
      // Six times each channel's correction, from the planes' (the axes' inverse).
      const int64_t six[3] = {2 * c[0] + 3 * c[1] + c[2], 2 * c[0] - 3 * c[1] + c[2], 2 * c[0] - 2 * c[2]};
      for (int ch = 0; ch < 3; ++ch)
        row[3 * x + ch] =
            static_cast<uint8_t>(std::clamp<int64_t>(row[3 * x + ch] + round_div(six[ch], 6 * kOne), 0, 255));
    }
  }
}

namespace {

// Least-squares statistics of one filter's samples: X^T X and X^T y over its features x and targets
// y (the original's sample - the decoded one).
struct Moments {
  double xx[kFeatures][kFeatures] = {};
  double xy[kFeatures] = {};
  void add(const int32_t* f, double y) {
    for (int i = 0; i < kFeatures; ++i) {
      const double fi = f[i];
      for (int j = 0; j <= i; ++j) xx[i][j] += fi * f[j];
      xy[i] += fi * y;
    }
  }
  Moments& operator+=(const Moments& o) {
    for (int i = 0; i < kFeatures; ++i) {
      for (int j = 0; j <= i; ++j) xx[i][j] += o.xx[i][j];
      xy[i] += o.xy[i];
    }
    return *this;
  }
};

// The weights that minimise |y - X w|^2 (Cholesky, lightly regularised); false when singular.
bool solve(const Moments& m, double* w) {
  double l[kFeatures][kFeatures] = {};
  for (int i = 0; i < kFeatures; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = m.xx[i][j];
      if (i == j) s += 1e-6 * m.xx[i][i] + 1e-3;
      for (int k = 0; k < j; ++k) s -= l[i][k] * l[j][k];
      if (i == j) {
        if (!(s > 0)) return false;
        l[i][i] = std::sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  double z[kFeatures];
  for (int i = 0; i < kFeatures; ++i) {
    double s = m.xy[i];
    for (int k = 0; k < i; ++k) s -= l[i][k] * z[k];
    z[i] = s / l[i][i];
  }
  for (int i = kFeatures - 1; i >= 0; --i) {
    double s = z[i];
    for (int k = i + 1; k < kFeatures; ++k) s -= l[k][i] * w[k];
    w[i] = s / l[i][i];
  }
  return true;
}

// The filter's weights as the correction uses them (in plane units per feature).
void weights_of(const PlaneFilter& f, double* w) {
  for (int j = 0; j < kFilterTaps; ++j) w[j] = static_cast<double>(f.taps[j]) / kTapScale;
  w[kFilterTaps] = static_cast<double>(f.gain) / kOne;
  w[kFilterTaps + 1] = static_cast<double>(f.bias) / kBiasScale;
}

// How much the filter lowers the squared error of the samples `m` describes: 2 w.Xy - w.XXw.
double error_drop(const Moments& m, const PlaneFilter& f) {
  double w[kFeatures];
  weights_of(f, w);
  double drop = 0;
  for (int i = 0; i < kFeatures; ++i) {
    drop += 2 * w[i] * m.xy[i] - w[i] * w[i] * m.xx[i][i];
    for (int j = 0; j < i; ++j) drop -= 2 * w[i] * w[j] * m.xx[i][j];
  }
  return drop;
}

// The best filter for `m` and what it is worth: the error it removes, in squared RGB steps (a
// plane's squared error counts 1 / its axis' squared length), less `price` times its bits;
// off when that is not positive.
PlaneFilter fit(const Moments& m, double rgb_weight, double price, double* worth) {
  PlaneFilter f;
  *worth = 0;
  double w[kFeatures];
  if (!solve(m, w)) return f;
  const auto quantise = [](double v, double scale, int cap) {
    return static_cast<int>(std::clamp(std::nearbyint(v * scale), -double(cap), double(cap)));
  };
  for (int j = 0; j < kFilterTaps; ++j)
    f.taps[j] = static_cast<int16_t>(quantise(w[j], kTapScale, entropy::kMaxFilterTap));
  f.gain = quantise(w[kFilterTaps], kOne, entropy::kMaxFilterGain);
  f.bias = quantise(w[kFilterTaps + 1], kBiasScale, entropy::kMaxFilterBias);
  f.on = true;
  const double value = rgb_weight * error_drop(m, f) - price * (entropy::filter_bits(f) - 1);
  if (value <= 0) return PlaneFilter{};
  *worth = value;
  return f;
}

constexpr int kFineClasses = 16;
// The class counts the encoder tries for the first plane; each one's thresholds are among the
// finest's, so its moments are sums of theirs.
constexpr int kClassCounts[] = {1, 2, 4, 8, 16};
// Moments from at most about this many samples per plane (every n-th row of a larger picture):
// plenty for 14 weights, and the encoder's cost stays bounded.
constexpr double kMaxSamples = 1 << 20;

}  // namespace

std::optional<FilterParams> design_filter(const Image& original, const Image& decoded, double price) {
  const Planes d = planes_of(decoded), o = planes_of(original);
  int blocks_x = 0;
  const std::vector<uint32_t> activity = block_activity(d, &blocks_x);
  // The finest classes: activity quantiles, without repeats.
  std::vector<uint32_t> sorted = activity;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> fine;
  for (int i = 1; i < kFineClasses; ++i) {
    const uint32_t t = sorted[sorted.size() * i / kFineClasses];
    if (t > 0 && t <= entropy::kMaxFilterThreshold && (fine.empty() || t > fine.back())) fine.push_back(t);
  }
  // Moments of every fine class of the first plane and of the other two planes.
  const double pixels = static_cast<double>(d.width) * d.height;
  const int row_step = std::max(1, static_cast<int>(pixels / kMaxSamples));
  std::vector<Moments> first(fine.size() + 1);
  Moments other[kColourPlanes - 1];
  int32_t f[kFeatures];
  for (int y = 0; y < d.height; y += row_step)
    for (int x = 0; x < d.width; ++x) {
      const size_t i = static_cast<size_t>(y) * d.width + x;
      for (int k = 0; k < kColourPlanes; ++k) {
        features(d, k, x, y, f);
        const double target = o.p[k][i] - d.p[k][i];
        if (k == 0)
          first[class_of(fine, activity[static_cast<size_t>(y / kClassBlock) * blocks_x + x / kClassBlock])].add(
              f, target);
        else
          other[k - 1].add(f, target);
      }
    }
  const double scale = row_step;  // the moments stand for every row
  const auto weight = [&](int k) { return scale / kColourAxisNorm2[k]; };

  // The first plane: the class count whose filters are worth the most, thresholds included.
  FilterParams best;
  double best_worth = -std::numeric_limits<double>::infinity();
  for (const int count : kClassCounts) {
    FilterParams candidate;
    const int fine_classes = static_cast<int>(fine.size()) + 1;
    if (count > fine_classes) break;
    for (int c = 1; c < count; ++c) candidate.thresholds.push_back(fine[fine_classes * c / count - 1]);
    std::vector<Moments> merged(count);
    for (int b = 0; b < fine_classes; ++b) merged[class_of(candidate.thresholds, b == 0 ? 0 : fine[b - 1])] += first[b];
    double worth = 0;
    for (const Moments& m : merged) {
      double w = 0;
      candidate.filters.push_back(fit(m, weight(0), price, &w));
      worth += w - price;  // each filter's on / off bit
    }
    worth -= price * entropy::threshold_bits(candidate.thresholds);
    if (worth > best_worth) {
      best_worth = worth;
      best = std::move(candidate);
    }
  }
  for (int k = 1; k < kColourPlanes; ++k) {
    double w = 0;
    best.filters.push_back(fit(other[k - 1], weight(k), price, &w));
  }
  // Worth its bits, measured: the estimates above ignore the rounding to 8 bits.
  bool any = false;
  for (const PlaneFilter& pf : best.filters) any = any || pf.on;
  if (!any) return std::nullopt;
  Image filtered = decoded;
  apply_filter(best, &filtered);
  const double bits = 8.0 * entropy::encode_filter(best).size();
  // bsq::mse is per sample; the price is per squared error of the whole picture.
  const double samples = 3.0 * original.width * original.height;
  if ((mse(original, decoded).value() - mse(original, filtered).value()) * samples <= price * bits) return std::nullopt;
  return best;
}

}  // namespace bsq::codec_detail

// The residual layer's coefficient coder: one template walks the blocks for the encoder and the
// decoder alike, so the two cannot disagree on a context.
#include "residual_coder.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "counters.h"
#include "range_decoder.h"
#include "range_encoder.h"

namespace bsq::entropy {

const uint8_t kZigzag[kResidualBlockSize] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                             12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                             35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                             58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

namespace {

constexpr int kPlaneClasses = 2;  // the first plane (luma-like), the others
constexpr int kBands = 12;        // row + column of the coefficient, capped
constexpr int kNeighbourClasses = 4;
constexpr int kLastBits = 6;  // 64 positions
constexpr int kMaxEscapeBits = 15;

// The frequency band of the i-th coefficient in zigzag order.
constexpr int band_of(int i) {
  const int raster = kZigzag[i];
  return std::min(raster / kResidualBlockSide + raster % kResidualBlockSide, kBands - 1);
}

struct Contexts {
  AdaptiveCounter coded[kPlaneClasses][3];                               // any level in the block; by coded neighbours
  AdaptiveCounter last[kPlaneClasses][1 << kLastBits];                   // the last nonzero position, a binary tree
  AdaptiveCounter nonzero[kPlaneClasses][kBands][kNeighbourClasses][2];  // by the previous level too
  AdaptiveCounter above1[kPlaneClasses][kBands][kNeighbourClasses];
  AdaptiveCounter above2[kPlaneClasses][kBands][kNeighbourClasses];
  AdaptiveCounter escape[kPlaneClasses][kMaxEscapeBits + 1];  // Exp-Golomb prefix of |level| - 3
};

class Writer {
 public:
  static constexpr bool kDecodes = false;
  int bit(AdaptiveCounter& c, int b) {
    coder_.encode(b, c.p16());
    c.update(b);
    return b;
  }
  int raw(int b) {
    coder_.encode(b, kProbOne / 2);
    return b;
  }
  std::vector<uint8_t> finish() { return coder_.finish(); }

 private:
  RangeEncoder coder_;
};

class Reader {
 public:
  static constexpr bool kDecodes = true;
  Reader(const uint8_t* data, size_t size) : coder_(data, size) {}
  int bit(AdaptiveCounter& c, int) {
    const int b = coder_.decode(c.p16());
    c.update(b);
    return b;
  }
  int raw(int) { return coder_.decode(kProbOne / 2); }
  const RangeDecoder& coder() const { return coder_; }

 private:
  RangeDecoder coder_;
};

// Codes (or decodes into) one block; `left` and `up` are the neighbouring blocks of the same plane,
// or null at the picture's edge; `*last` is the number of levels up to the last nonzero one.
// False when a decoded level is out of range.
template <class Coder>
bool code_block(Coder& io, Contexts& ctx, int pc, int16_t* block, const int16_t* left, const int16_t* up, int left_last,
                int up_last, uint8_t* last_out) {
  int last = 0;
  if constexpr (!Coder::kDecodes)
    for (int i = kResidualBlockSize; i > 0; --i)
      if (block[i - 1] != 0) {
        last = i;
        break;
      }
  const int neighbours = (left_last > 0) + (up_last > 0);
  if (!io.bit(ctx.coded[pc][neighbours], last > 0)) {
    *last_out = 0;
    return true;
  }
  // last - 1 in kLastBits bits, most significant first, each node of the tree its own context.
  int node = 1;
  for (int b = kLastBits - 1; b >= 0; --b) node = node * 2 + io.bit(ctx.last[pc][node], ((last - 1) >> b) & 1);
  last = node - (1 << kLastBits) + 1;
  *last_out = static_cast<uint8_t>(last);
  for (int i = 0; i < last; ++i) {
    const int band = band_of(i);
    const int near = std::min((left ? std::min(std::abs(left[i]), 2) : 0) + (up ? std::min(std::abs(up[i]), 2) : 0),
                              kNeighbourClasses - 1);
    const int magnitude = std::abs(static_cast<int>(block[i]));  // 0 when decoding
    const int after_nonzero = i > 0 && block[i - 1] != 0;
    if (i + 1 < last && !io.bit(ctx.nonzero[pc][band][near][after_nonzero], magnitude != 0)) {
      block[i] = 0;
      continue;
    }
    int value = 1;
    if (io.bit(ctx.above1[pc][band][near], magnitude > 1)) {
      value = 2;
      if (io.bit(ctx.above2[pc][band][near], magnitude > 2)) {
        // Exp-Golomb (order 0) of magnitude - 3: n ones, a zero, then the n low bits of it + 1.
        const int rest = magnitude - 3 + 1;
        int n = 0;
        if constexpr (!Coder::kDecodes)
          while ((rest >> (n + 1)) != 0) ++n;
        int bits = 0;
        while (io.bit(ctx.escape[pc][std::min(bits, kMaxEscapeBits)], bits < n)) {
          if (++bits > kMaxEscapeBits) return false;
        }
        int v = 1;
        for (int b = bits - 1; b >= 0; --b) v = v * 2 + io.raw((rest >> b) & 1);
        value = v - 1 + 3;
        if (value > kMaxResidualLevel) return false;
      }
    }
    const int negative = io.raw(block[i] < 0);
    block[i] = static_cast<int16_t>(negative ? -value : value);
  }
  return true;
}

template <class Coder>
bool code_planes(Coder& io, ResidualPlanes& r) {
  auto ctx = std::make_unique<Contexts>();
  std::vector<uint8_t> lasts(static_cast<size_t>(r.blocks_x) * r.blocks_y);
  for (int p = 0; p < r.planes; ++p) {
    const int pc = std::min(p, kPlaneClasses - 1);
    int16_t* plane = r.levels.data() + static_cast<size_t>(p) * lasts.size() * kResidualBlockSize;
    for (int by = 0; by < r.blocks_y; ++by)
      for (int bx = 0; bx < r.blocks_x; ++bx) {
        const size_t b = static_cast<size_t>(by) * r.blocks_x + bx;
        int16_t* block = plane + b * kResidualBlockSize;
        const bool has_left = bx > 0, has_up = by > 0;
        if (!code_block(io, *ctx, pc, block, has_left ? block - kResidualBlockSize : nullptr,
                        has_up ? block - static_cast<size_t>(r.blocks_x) * kResidualBlockSize : nullptr,
                        has_left ? lasts[b - 1] : 0, has_up ? lasts[b - r.blocks_x] : 0, &lasts[b]))
          return false;
      }
  }
  return true;
}

}  // namespace

bool check_residual_dims(int planes, int blocks_x, int blocks_y, std::string* error) {
  const char* wrong = nullptr;
  if (planes < 1 || planes > kMaxResidualPlanes)
    wrong = "planes";
  else if (blocks_x < 1 || blocks_x > kMaxResidualBlocksPerSide)
    wrong = "blocks per row";
  else if (blocks_y < 1 || blocks_y > kMaxResidualBlocksPerSide)
    wrong = "block rows";
  else if (int64_t{blocks_x} * blocks_y > kMaxResidualBlocks)
    wrong = "blocks";
  if (wrong && error) *error = std::string("residual layer: ") + wrong + " out of range";
  return wrong == nullptr;
}

std::vector<uint8_t> encode_residual(const ResidualPlanes& levels) {
  if (!check_residual_dims(levels.planes, levels.blocks_x, levels.blocks_y, nullptr)) return {};
  if (levels.levels.size() !=
      static_cast<size_t>(levels.planes) * levels.blocks_x * levels.blocks_y * kResidualBlockSize)
    return {};
  for (const int16_t v : levels.levels)
    if (std::abs(static_cast<int>(v)) > kMaxResidualLevel) return {};
  ResidualPlanes copy = levels;  // code_planes() writes the levels it codes back; the same values
  Writer writer;
  code_planes(writer, copy);
  return writer.finish();
}

bool decode_residual(const uint8_t* data, size_t size, int planes, int blocks_x, int blocks_y, ResidualPlanes* out,
                     std::string* error) {
  if (!check_residual_dims(planes, blocks_x, blocks_y, error)) return false;
  ResidualPlanes r{planes, blocks_x, blocks_y, {}};
  r.levels.assign(static_cast<size_t>(planes) * blocks_x * blocks_y * kResidualBlockSize, 0);
  Reader reader(data, size);
  const bool in_range = code_planes(reader, r);
  const RangeDecoder& coder = reader.coder();
  // Past its end a stream reads as zeros, which can also make a level too long: truncation first.
  const char* wrong = coder.overrun()       ? "truncated"
                      : !in_range           ? "a level out of range"
                      : !coder.at_end()     ? "bytes left over after the last level"
                      : !coder.consistent() ? "damaged"
                                            : nullptr;
  if (wrong) {
    if (error) *error = std::string("residual layer: ") + wrong;
    return false;
  }
  *out = std::move(r);
  return true;
}

}  // namespace bsq::entropy

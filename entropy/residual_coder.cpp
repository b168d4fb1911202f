// The residual layer's coefficient coder: one template walks the blocks for the encoder and the
// decoder alike, so the two cannot disagree on a context.
#include "residual_coder.h"

#include <algorithm>
#include <cmath>
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

// The neighbouring blocks' level i (null at the picture's edge), min(abs, 2) each, summed and
// capped: a context of level i.
int neighbour_class(const int16_t* left, const int16_t* up, int i) {
  return std::min((left ? std::min(std::abs(left[i]), 2) : 0) + (up ? std::min(std::abs(up[i]), 2) : 0),
                  kNeighbourClasses - 1);
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
    const int near = neighbour_class(left, up, i);
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

// Codes every block in order; `before(ctx, pc, plane, block_index, block, left, up, left_last, up_last)`
// runs first for each block (the encoder's quantiser choosing its levels), with the same arguments
// code_block() then gets.
template <class Coder, class Before>
bool code_planes(Coder& io, ResidualPlanes& r, Before&& before) {
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
        const int16_t* left = has_left ? block - kResidualBlockSize : nullptr;
        const int16_t* up = has_up ? block - static_cast<size_t>(r.blocks_x) * kResidualBlockSize : nullptr;
        const int left_last = has_left ? lasts[b - 1] : 0, up_last = has_up ? lasts[b - r.blocks_x] : 0;
        before(static_cast<const Contexts&>(*ctx), pc, p, b, block, left, up, left_last, up_last);
        if (!code_block(io, *ctx, pc, block, left, up, left_last, up_last, &lasts[b])) return false;
      }
  }
  return true;
}

template <class Coder>
bool code_planes(Coder& io, ResidualPlanes& r) {
  return code_planes(io, r,
                     [](const Contexts&, int, int, size_t, int16_t*, const int16_t*, const int16_t*, int, int) {});
}

// What coding a bit costs, in bits, under a context as it stands: -log2 of its probability.
class BitPrice {
 public:
  BitPrice() {
    for (int i = 0; i < kEntries; ++i) bits_[i] = static_cast<float>(-std::log2((i + 0.5) / kEntries));
  }
  float operator()(const AdaptiveCounter& c, int bit) const {
    const uint32_t p1 = c.p16();
    return bits_[(bit ? p1 : 65535 - p1) >> kShift];
  }

 private:
  static constexpr int kShift = 4;
  static constexpr int kEntries = 65536 >> kShift;
  float bits_[kEntries];
};

// The encoder's choice of one block's levels: the least squared error + lambda * bits over every
// position of the last level and, before it, every path through the levels {0, round(|c|) - 1,
// round(|c|)} of each coefficient (a trellis on whether the level before is nonzero, the one
// state code_block()'s contexts depend on within a block). The contexts are priced as they stand
// at the block's start; their adaptation within the block is ignored.
void choose_block(const BitPrice& price, const Contexts& ctx, int pc, const float* c, const int16_t* left,
                  const int16_t* up, int left_last, int up_last, float lambda, int16_t* out) {
  constexpr float kNever = 1e30f;
  float tail[kResidualBlockSize + 1];  // squared error of zeroing coefficients i and later
  tail[kResidualBlockSize] = 0;
  for (int i = kResidualBlockSize - 1; i >= 0; --i) tail[i] = tail[i + 1] + c[i] * c[i];
  const int neighbours = (left_last > 0) + (up_last > 0);
  float best = tail[0] + lambda * price(ctx.coded[pc][neighbours], 0);
  int best_last = 0, best_last_level = 0, best_last_from = 0;
  const float coded_bits = price(ctx.coded[pc][neighbours], 1);

  // cost[i][s]: the least cost of coefficients before i, the one before i nonzero when s = 1;
  // from[i][s], level[i][s]: the state before and the level of coefficient i - 1 on that path.
  float cost[kResidualBlockSize + 1][2];
  uint8_t from[kResidualBlockSize + 1][2];
  int16_t level[kResidualBlockSize + 1][2];
  cost[0][0] = 0;
  cost[0][1] = kNever;
  for (int i = 0; i < kResidualBlockSize; ++i) {
    const int band = band_of(i);
    const int near = neighbour_class(left, up, i);
    const float a = std::abs(c[i]);
    const int high = static_cast<int>(std::min(std::floor(a + 0.5f), static_cast<float>(kMaxResidualLevel)));
    // The candidates' error + lambda * bits, the nonzero flag aside.
    int candidates = 0;
    int cand_level[2];
    float cand_cost[2];
    for (int l = high; l >= std::max(high - 1, 1); --l) {
      float bits = 1 + price(ctx.above1[pc][band][near], l > 1);  // the sign, > 1
      if (l > 1) {
        bits += price(ctx.above2[pc][band][near], l > 2);
        if (l > 2) {
          const int rest = l - 3 + 1;
          int n = 0;
          while ((rest >> (n + 1)) != 0) ++n;
          for (int k = 0; k < n; ++k) bits += price(ctx.escape[pc][std::min(k, kMaxEscapeBits)], 1);
          bits += price(ctx.escape[pc][std::min(n, kMaxEscapeBits)], 0) + n;
        }
      }
      cand_level[candidates] = l;
      cand_cost[candidates++] = (a - l) * (a - l) + lambda * bits;
    }
    // Coefficient i as the last level: no nonzero flag; then the last position and the rest zero.
    if (candidates > 0) {
      const int pick = candidates > 1 && cand_cost[1] < cand_cost[0];
      const int from_state = cost[i][1] < cost[i][0];
      int node = 1;
      float last_bits = 0;
      for (int b = kLastBits - 1; b >= 0; --b) {
        const int bit = (i >> b) & 1;
        last_bits += price(ctx.last[pc][node], bit);
        node = node * 2 + bit;
      }
      const float j = cost[i][from_state] + cand_cost[pick] + tail[i + 1] + lambda * (coded_bits + last_bits);
      if (j < best) {
        best = j;
        best_last = i + 1;
        best_last_level = cand_level[pick];
        best_last_from = from_state;
      }
    }
    // Coefficient i before the last level.
    cost[i + 1][0] = cost[i + 1][1] = kNever;
    for (int s = 0; s < 2; ++s) {
      if (cost[i][s] >= kNever) continue;
      const AdaptiveCounter& nonzero = ctx.nonzero[pc][band][near][s];
      const float zero = cost[i][s] + a * a + lambda * price(nonzero, 0);
      if (zero < cost[i + 1][0]) {
        cost[i + 1][0] = zero;
        from[i + 1][0] = static_cast<uint8_t>(s);
        level[i + 1][0] = 0;
      }
      const float flag = lambda * price(nonzero, 1);
      for (int k = 0; k < candidates; ++k) {
        const float j = cost[i][s] + flag + cand_cost[k];
        if (j < cost[i + 1][1]) {
          cost[i + 1][1] = j;
          from[i + 1][1] = static_cast<uint8_t>(s);
          level[i + 1][1] = static_cast<int16_t>(cand_level[k]);
        }
      }
    }
  }
  std::fill(out, out + kResidualBlockSize, int16_t{0});
  if (best_last == 0) return;
  const auto signed_level = [&](int i, int l) { return static_cast<int16_t>(c[i] < 0 ? -l : l); };
  out[best_last - 1] = signed_level(best_last - 1, best_last_level);
  int s = best_last_from;
  for (int i = best_last - 1; i > 0; --i) {
    out[i - 1] = signed_level(i - 1, level[i][s]);
    s = from[i][s];
  }
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

std::vector<uint8_t> encode_residual_rdo(const ResidualCoefficients& coefficients, double lambda,
                                         ResidualPlanes* chosen) {
  const ResidualCoefficients& c = coefficients;
  if (!check_residual_dims(c.planes, c.blocks_x, c.blocks_y, nullptr)) return {};
  if (c.values.size() != static_cast<size_t>(c.planes) * c.blocks_x * c.blocks_y * kResidualBlockSize) return {};
  ResidualPlanes r{c.planes, c.blocks_x, c.blocks_y, {}};
  r.levels.assign(c.values.size(), 0);
  static const BitPrice price;
  const size_t plane_blocks = static_cast<size_t>(c.blocks_x) * c.blocks_y;
  Writer writer;
  code_planes(writer, r,
              [&](const Contexts& ctx, int pc, int p, size_t b, int16_t* block, const int16_t* left, const int16_t* up,
                  int left_last, int up_last) {
                const float* values = c.values.data() + (p * plane_blocks + b) * kResidualBlockSize;
                choose_block(price, ctx, pc, values, left, up, left_last, up_last, static_cast<float>(lambda), block);
              });
  if (chosen) *chosen = std::move(r);
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

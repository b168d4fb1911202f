// One frame of tokens in coding order: the traversal shared by the still coder (token_coder.cpp)
// and the GOP coder (gop_coder.cpp), for encoding, decoding and cost measurement alike (internal).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bit_prior.h"
#include "counters.h"
#include "range_decoder.h"
#include "range_encoder.h"

namespace bsq::entropy::detail {

// Neighbours of token (y, x) among the tokens already coded. Outside the grid the nearest coded
// token stands in (above for left, left for above), so border tokens still get a prediction from
// their one real neighbour rather than from zeros.
inline Neighbours neighbours_of(const uint64_t* frame, const uint64_t* previous_frame, int cols, int y, int x) {
  Neighbours n;
  const uint64_t* row = frame + static_cast<size_t>(y) * cols;
  const uint64_t* up = row - cols;
  if (previous_frame) {
    n.previous_frame = previous_frame[static_cast<size_t>(y) * cols + x];
    n.has_previous_frame = true;
  }
  if (y > 0) {
    n.above = up[x];
    n.above_right = x + 1 < cols ? up[x + 1] : n.above;
    n.above_left = x > 0 ? up[x - 1] : n.above;
    n.left = x > 0 ? row[x - 1] : n.above;
    n.left2 = x > 1 ? row[x - 2] : n.left;
    n.above2 = y > 1 ? up[x - cols] : n.above;
  } else if (x > 0) {
    n.left = row[x - 1];
    n.above = n.above_left = n.above_right = n.left;
    n.left2 = x > 1 ? row[x - 2] : n.left;
    n.above2 = n.left;
  } else {
    // The first token of a frame: only the previous frame, if any, says anything about it.
    n.left = n.above = n.above_left = n.above_right = n.left2 = n.above2 = n.previous_frame;
  }
  return n;
}

// The repeat flags of an inter frame: 1 where a token repeats the previous frame's co-located one.
// A flag is predicted from the flags of its left, above and above-right neighbours and of the
// same place in the previous frame: static regions come in blobs that stay put.
class RepeatModel {
 public:
  explicit RepeatModel(size_t tokens) : previous_(tokens, 0) {}

  uint32_t context(const uint8_t* flags, int cols, int y, int x) const {
    const size_t at = static_cast<size_t>(y) * cols + x;
    const uint32_t left = x > 0 ? flags[at - 1] : 0;
    const uint32_t above = y > 0 ? flags[at - cols] : 0;
    const uint32_t above_right = y > 0 && x + 1 < cols ? flags[at - cols + 1] : above;
    return left | above << 1 | above_right << 2 | uint32_t{previous_[at]} << 3;
  }
  AdaptiveCounter& counter(uint32_t context) { return counters_[context]; }
  // The flags of a finished frame become the next frame's context.
  void end_frame(const uint8_t* flags) { previous_.assign(flags, flags + previous_.size()); }

 private:
  AdaptiveCounter counters_[16];
  std::vector<uint8_t> previous_;
};

// Bits per token: `bits` for all, or the count of each token's window (token_coder.h).
struct TokenBits {
  int bits = 0;
  const uint8_t* window_bits = nullptr;  // null: every token has `bits`
  int window = 0, window_cols = 0;
  int at(int y, int x) const {
    return window_bits ? window_bits[static_cast<size_t>(y / window) * window_cols + x / window] : bits;
  }
};

// Codes (or decodes) one frame. `previous` is the frame before it in the same coded sequence
// (null for a key frame). With `repeats`, each token is preceded by its repeat flag in flags[]
// (read when encoding, written when decoding); a repeated token is the previous frame's and costs
// no more. Coder::code(bit, p1) codes `bit` (encoder, cost meter) or returns the decoded bit;
// frame[] is read before each token is coded and overwritten with the result. False when the
// coder runs out of data (checked at the end of each row). `token_bits` (with a window map) says
// how many leading bits each token codes; the rest of a token is 0.
template <class Coder>
bool code_frame(Coder& coder, BitPrior& prior, RepeatModel* repeats, uint8_t* flags, uint64_t* frame,
                const uint64_t* previous, int rows, int cols, TokenBits token_bits) {
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      const size_t at = static_cast<size_t>(y) * cols + x;
      if (repeats) {
        AdaptiveCounter& c = repeats->counter(repeats->context(flags, cols, y, x));
        const int repeat = coder.code(flags[at] != 0, c.p16());
        c.update(repeat);
        flags[at] = static_cast<uint8_t>(repeat);
        if (repeat) {
          coder.token_done();
          frame[at] = previous[at];
          continue;
        }
      }
      prior.begin_token(neighbours_of(frame, previous, cols, y, x));
      const uint64_t in = frame[at];
      uint64_t out = 0;
      const int bits = token_bits.at(y, x);
      for (int i = 0; i < bits; ++i) {
        const int bit = coder.code(static_cast<int>((in >> i) & 1), prior.predict(i));
        prior.update(bit);
        out |= static_cast<uint64_t>(bit) << i;
      }
      prior.end_token(bits == token_bits.bits);
      coder.token_done();
      frame[at] = out;
    }
    if (!coder.ok()) return false;  // a truncated stream stops at the end of a row
  }
  if (repeats) repeats->end_frame(flags);
  return true;
}

// -log2 of the probability the coder gives `bit`, with the coder's clamping.
inline double decision_bits(int bit, uint32_t p1) {
  const uint32_t p = p1 < 1 ? 1 : (p1 > kProbOne - 1 ? kProbOne - 1 : p1);
  return -std::log2((bit ? p : kProbOne - p) / static_cast<double>(kProbOne));
}

// The coders code_frame() drives.
struct EncodeCoder {
  RangeEncoder encoder;
  double bits = 0;  // ideal code length so far, when `measure` is set
  bool measure = false;
  int code(int bit, uint32_t p1) {
    encoder.encode(bit, p1);
    if (measure) bits += decision_bits(bit, p1);
    return bit;
  }
  void token_done() {}
  bool ok() const { return true; }
};

struct DecodeCoder {
  RangeDecoder decoder;
  int code(int, uint32_t p1) { return decoder.decode(p1); }
  void token_done() {}
  bool ok() const { return !decoder.overrun(); }
};

struct CostCoder {
  double bits = 0;
  int code(int bit, uint32_t p1) {
    bits += decision_bits(bit, p1);
    return bit;
  }
  void token_done() {}
  bool ok() const { return true; }
};

// CostCoder's sum, closed at every token.
struct TokenCostCoder {
  double bits = 0, token_start = 0;
  std::vector<double> per_token;
  int code(int bit, uint32_t p1) {
    bits += decision_bits(bit, p1);
    return bit;
  }
  void token_done() {
    per_token.push_back(bits - token_start);
    token_start = bits;
  }
  bool ok() const { return true; }
};

}  // namespace bsq::entropy::detail

// Token grids through the bit prior and the range coder; one traversal shared by all three uses.
#include "token_coder.h"

#include <algorithm>

#include "frame_traversal.h"

namespace bsq::entropy {

namespace {

using detail::CostCoder;
using detail::DecodeCoder;
using detail::EncodeCoder;
using detail::TokenBits;
using detail::TokenCostCoder;

// The window counts, in raster order. Each is coded as: equal to the left window's count or not
// (the context says whether the left and above windows agree, or that one of them is missing);
// if not, and the above window's count differs from the left's, equal to that one or not; if
// neither, count - 1 in binary, most significant bit first, down a tree of counters. Pictures
// have regions of one count, so most windows cost a fraction of a bit. False on a decoded count
// outside 1..bits (a corrupt stream) or when the coder runs out of data.
class WindowBitsModel {
 public:
  explicit WindowBitsModel(int bits) : bits_(bits) {
    while ((1 << depth_) < bits) ++depth_;
    tree_.resize(size_t{1} << std::max(depth_, 1));
  }

  template <class Coder>
  bool code(Coder& coder, uint8_t* counts, int window_rows, int window_cols) {
    for (int y = 0; y < window_rows; ++y) {
      for (int x = 0; x < window_cols; ++x) {
        uint8_t* k = counts + static_cast<size_t>(y) * window_cols + x;
        if (x > 0 || y > 0) {
          const int left = x > 0 ? k[-1] : k[-window_cols];
          const int above = y > 0 ? k[-window_cols] : left;
          AdaptiveCounter& same = same_as_left_[x > 0 && y > 0 ? (left == above ? 0 : 1) : 2];
          const int is_left = coder.code(*k == left, same.p16());
          same.update(is_left);
          if (is_left) {
            *k = static_cast<uint8_t>(left);
            continue;
          }
          if (above != left) {
            const int is_above = coder.code(*k == above, same_as_above_.p16());
            same_as_above_.update(is_above);
            if (is_above) {
              *k = static_cast<uint8_t>(above);
              continue;
            }
          }
        }
        size_t node = 1;
        for (int b = depth_ - 1; b >= 0; --b) {
          const int bit = coder.code((*k - 1) >> b & 1, tree_[node].p16());
          tree_[node].update(bit);
          node = 2 * node + static_cast<size_t>(bit);
        }
        const size_t value = node - (size_t{1} << depth_);
        if (value >= static_cast<size_t>(bits_)) return false;
        *k = static_cast<uint8_t>(value + 1);
      }
      if (!coder.ok()) return false;
    }
    return true;
  }

 private:
  int bits_, depth_ = 0;
  AdaptiveCounter same_as_left_[3], same_as_above_;
  std::vector<AdaptiveCounter> tree_;  // node n's children are 2n and 2n + 1; the root is 1
};

// Every frame of the plane in order, each against the one before it (no repeat flags); with window
// counts, those first (when `counts_too`), then each token with its window's count.
template <class Coder>
bool code_grid(Coder& coder, int frames, int rows, int cols, int bits, uint64_t* codes, uint8_t* counts, int window,
               bool counts_too, int revision) {
  TokenBits token_bits{bits};
  if (counts) {
    token_bits = TokenBits{bits, counts, window, (cols + window - 1) / window};
    WindowBitsModel model(bits);
    if (counts_too && !model.code(coder, counts, (rows + window - 1) / window, token_bits.window_cols)) return false;
  }
  BitPrior prior(bits, revision);
  const size_t plane = static_cast<size_t>(rows) * cols;
  for (int f = 0; f < frames; ++f) {
    uint64_t* frame = codes + f * plane;
    if (!detail::code_frame(coder, prior, nullptr, nullptr, frame, f > 0 ? frame - plane : nullptr, rows, cols,
                            token_bits))
      return false;
  }
  return true;
}

bool plane_is_valid(const TokenPlane& t) {
  if (!check_token_dims(t.frames, t.rows, t.cols, t.bits, nullptr) || !is_prior_revision(t.prior) ||
      t.codes.size() != static_cast<size_t>(t.frames) * t.rows * t.cols)
    return false;
  if (t.window_bits.empty()) return true;
  if (t.frames != 1 || t.window < 1 || t.window > kMaxTokenRows ||
      t.window_bits.size() != window_count(t.rows, t.cols, t.window))
    return false;
  return std::all_of(t.window_bits.begin(), t.window_bits.end(), [&](uint8_t k) { return k >= 1 && k <= t.bits; });
}

// The codes as the decoder rebuilds them, each cut to its count: the neighbours the prior sees.
std::vector<uint64_t> masked_codes(const TokenPlane& t) {
  const auto mask = [](int bits) { return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; };
  std::vector<uint64_t> codes(t.codes);
  if (t.window_bits.empty()) {
    for (uint64_t& c : codes) c &= mask(t.bits);
    return codes;
  }
  const TokenBits token_bits{t.bits, t.window_bits.data(), t.window, (t.cols + t.window - 1) / t.window};
  for (int y = 0; y < t.rows; ++y)
    for (int x = 0; x < t.cols; ++x) codes[static_cast<size_t>(y) * t.cols + x] &= mask(token_bits.at(y, x));
  return codes;
}

// The plane's codes and counts coded (or measured) by `coder`.
template <class Coder>
void code_plane(Coder& coder, const TokenPlane& t, bool counts_too) {
  std::vector<uint64_t> codes = masked_codes(t);
  std::vector<uint8_t> counts(t.window_bits);
  code_grid(coder, t.frames, t.rows, t.cols, t.bits, codes.data(), counts.empty() ? nullptr : counts.data(), t.window,
            counts_too, t.prior);
}

}  // namespace

size_t window_count(int rows, int cols, int window) {
  return static_cast<size_t>((rows + window - 1) / window) * static_cast<size_t>((cols + window - 1) / window);
}

bool check_token_dims(int frames, int rows, int cols, int bits, std::string* error) {
  const char* problem = nullptr;
  if (bits < 1 || bits > kMaxTokenBits)
    problem = "bits per token outside 1..64";
  else if (rows < 1 || rows > kMaxTokenRows)
    problem = "token rows outside 1..65536";
  else if (cols < 1 || cols > kMaxTokenCols)
    problem = "token columns outside 1..65536";
  else if (frames < 1 || frames > kMaxTokenFrames)
    problem = "frame count outside 1..100000";
  else if (static_cast<int64_t>(frames) * rows * cols > kMaxTokens)
    problem = "more than 2^26 tokens";
  if (problem && error) *error = problem;
  return problem == nullptr;
}

std::vector<uint8_t> encode_tokens(const TokenPlane& tokens) {
  if (!plane_is_valid(tokens)) return {};
  EncodeCoder coder;
  code_plane(coder, tokens, true);
  return coder.encoder.finish();
}

bool decode_tokens(const uint8_t* data, size_t size, int frames, int rows, int cols, int bits, TokenPlane* out,
                   std::string* error, int window, int prior) {
  std::string problem;
  if (!is_prior_revision(prior)) {
    if (error) *error = "entropy decoder: unknown prior revision " + std::to_string(prior);
    return false;
  }
  if (!check_token_dims(frames, rows, cols, bits, &problem)) {
    if (error) *error = "entropy decoder: " + problem;
    return false;
  }
  if (window < 0 || window > kMaxTokenRows || (window > 0 && frames != 1)) {
    if (error) *error = "entropy decoder: bits per window are for one frame, with windows of 1 to 65536 tokens";
    return false;
  }
  if (size > 0 && data == nullptr) {
    if (error) *error = "entropy decoder: no data";
    return false;
  }
  std::vector<uint64_t> codes(static_cast<size_t>(frames) * rows * cols);
  std::vector<uint8_t> counts(window > 0 ? window_count(rows, cols, window) : 0);
  DecodeCoder coder{RangeDecoder(data, size)};
  const bool coded = code_grid(coder, frames, rows, cols, bits, codes.data(), counts.empty() ? nullptr : counts.data(),
                               window, true, prior);
  if (coder.decoder.overrun()) {
    if (error) *error = "entropy decoder: token stream truncated";
    return false;
  }
  if (!coded) {
    if (error) *error = "entropy decoder: token stream has a window bit count out of range";
    return false;
  }
  if (!coder.decoder.at_end()) {
    if (error) *error = "entropy decoder: token stream has bytes past its end";
    return false;
  }
  if (!coder.decoder.consistent()) {
    if (error) *error = "entropy decoder: token stream is corrupt";
    return false;
  }
  if (out) {
    *out = TokenPlane{frames, rows, cols, bits, std::move(codes)};
    out->prior = prior;
    if (window > 0) out->window = window, out->window_bits = std::move(counts);
  }
  return true;
}

double ideal_code_length_bits(const TokenPlane& tokens) {
  if (!plane_is_valid(tokens)) return 0;
  CostCoder coder;
  code_plane(coder, tokens, true);
  return coder.bits;
}

std::vector<double> token_code_lengths_bits(const TokenPlane& tokens) {
  if (!plane_is_valid(tokens) || tokens.bits < 1) return {};
  TokenCostCoder coder;
  coder.per_token.reserve(tokens.codes.size());
  code_plane(coder, tokens, false);
  return std::move(coder.per_token);
}

}  // namespace bsq::entropy

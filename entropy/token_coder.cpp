// Token grids through the bit prior and the range coder; one traversal shared by all three uses.
#include "token_coder.h"

#include <cmath>

#include "bit_prior.h"
#include "range_decoder.h"
#include "range_encoder.h"

namespace bsq::entropy {

namespace {

// Neighbours of token (f, y, x) among the tokens already coded. Outside the grid the nearest
// coded token stands in (above for left, left for above), so border tokens still get a
// prediction from their one real neighbour rather than from zeros.
Neighbours neighbours_of(const uint64_t* frame, const uint64_t* previous_frame, int cols, int y, int x) {
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

// Visits every decision in coding order. Coder::code(bit, p1) codes `bit` (encoder, cost meter)
// or ignores it and returns the decoded bit (decoder); codes[] is read before each token is coded
// and overwritten with the result, so one traversal serves encoding and decoding alike.
template <class Coder>
bool code_grid(Coder& coder, int frames, int rows, int cols, int bits, uint64_t* codes) {
  BitPrior prior(bits);
  const size_t plane = static_cast<size_t>(rows) * cols;
  for (int f = 0; f < frames; ++f) {
    uint64_t* frame = codes + f * plane;
    const uint64_t* previous = f > 0 ? frame - plane : nullptr;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) {
        prior.begin_token(neighbours_of(frame, previous, cols, y, x));
        const uint64_t in = frame[static_cast<size_t>(y) * cols + x];
        uint64_t out = 0;
        for (int i = 0; i < bits; ++i) {
          const int bit = coder.code(static_cast<int>((in >> i) & 1), prior.predict(i));
          prior.update(bit);
          out |= static_cast<uint64_t>(bit) << i;
        }
        prior.end_token();
        frame[static_cast<size_t>(y) * cols + x] = out;
      }
      if (!coder.ok()) return false;  // a truncated stream stops at the end of a row
    }
  }
  return true;
}

struct EncodeCoder {
  RangeEncoder encoder;
  int code(int bit, uint32_t p1) {
    encoder.encode(bit, p1);
    return bit;
  }
  bool ok() const { return true; }
};

struct DecodeCoder {
  RangeDecoder decoder;
  int code(int, uint32_t p1) { return decoder.decode(p1); }
  bool ok() const { return !decoder.overrun(); }
};

struct CostCoder {
  double bits = 0;
  int code(int bit, uint32_t p1) {
    const uint32_t p = p1 < 1 ? 1 : (p1 > kProbOne - 1 ? kProbOne - 1 : p1);  // as the coder clamps
    bits -= std::log2((bit ? p : kProbOne - p) / static_cast<double>(kProbOne));
    return bit;
  }
  bool ok() const { return true; }
};

// CostCoder's sum, closed at every token: each token is `bits` decisions.
struct TokenCostCoder {
  CostCoder cost;
  int bits = 0, decisions = 0;
  std::vector<double> per_token;
  int code(int bit, uint32_t p1) {
    const double before = cost.bits;
    cost.code(bit, p1);
    if (decisions++ % bits == 0) per_token.push_back(0);
    per_token.back() += cost.bits - before;
    return bit;
  }
  bool ok() const { return true; }
};

bool plane_is_valid(const TokenPlane& t) {
  return check_token_dims(t.frames, t.rows, t.cols, t.bits, nullptr) &&
         t.codes.size() == static_cast<size_t>(t.frames) * t.rows * t.cols;
}

std::vector<uint64_t> masked_codes(const TokenPlane& t) {
  const uint64_t mask = t.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << t.bits) - 1;
  std::vector<uint64_t> codes(t.codes);
  for (uint64_t& c : codes) c &= mask;
  return codes;
}

}  // namespace

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
  // The neighbours must be the masked codes, exactly as the decoder will rebuild them.
  std::vector<uint64_t> codes = masked_codes(tokens);
  EncodeCoder coder;
  code_grid(coder, tokens.frames, tokens.rows, tokens.cols, tokens.bits, codes.data());
  return coder.encoder.finish();
}

bool decode_tokens(const uint8_t* data, size_t size, int frames, int rows, int cols, int bits, TokenPlane* out,
                   std::string* error) {
  std::string problem;
  if (!check_token_dims(frames, rows, cols, bits, &problem)) {
    if (error) *error = "entropy decoder: " + problem;
    return false;
  }
  if (size > 0 && data == nullptr) {
    if (error) *error = "entropy decoder: no data";
    return false;
  }
  std::vector<uint64_t> codes(static_cast<size_t>(frames) * rows * cols);
  DecodeCoder coder{RangeDecoder(data, size)};
  if (!code_grid(coder, frames, rows, cols, bits, codes.data()) || coder.decoder.overrun()) {
    if (error) *error = "entropy decoder: token stream truncated";
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
  if (out) *out = TokenPlane{frames, rows, cols, bits, std::move(codes)};
  return true;
}

double ideal_code_length_bits(const TokenPlane& tokens) {
  if (!plane_is_valid(tokens)) return 0;
  std::vector<uint64_t> codes = masked_codes(tokens);
  CostCoder coder;
  code_grid(coder, tokens.frames, tokens.rows, tokens.cols, tokens.bits, codes.data());
  return coder.bits;
}

std::vector<double> token_code_lengths_bits(const TokenPlane& tokens) {
  if (!plane_is_valid(tokens) || tokens.bits < 1) return {};
  std::vector<uint64_t> codes = masked_codes(tokens);
  TokenCostCoder coder;
  coder.bits = tokens.bits;
  coder.per_token.reserve(codes.size());
  code_grid(coder, tokens.frames, tokens.rows, tokens.cols, tokens.bits, codes.data());
  return std::move(coder.per_token);
}

}  // namespace bsq::entropy

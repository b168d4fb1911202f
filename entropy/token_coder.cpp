// Token grids through the bit prior and the range coder; one traversal shared by all three uses.
#include "token_coder.h"

#include "frame_traversal.h"

namespace bsq::entropy {

namespace {

using detail::CostCoder;
using detail::DecodeCoder;
using detail::EncodeCoder;
using detail::TokenCostCoder;

// Every frame of the plane in order, each against the one before it (no repeat flags).
template <class Coder>
bool code_grid(Coder& coder, int frames, int rows, int cols, int bits, uint64_t* codes) {
  BitPrior prior(bits);
  const size_t plane = static_cast<size_t>(rows) * cols;
  for (int f = 0; f < frames; ++f) {
    uint64_t* frame = codes + f * plane;
    if (!detail::code_frame(coder, prior, nullptr, nullptr, frame, f > 0 ? frame - plane : nullptr, rows, cols, bits))
      return false;
  }
  return true;
}

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
  coder.per_token.reserve(codes.size());
  code_grid(coder, tokens.frames, tokens.rows, tokens.cols, tokens.bits, codes.data());
  return std::move(coder.per_token);
}

}  // namespace bsq::entropy

// Lossless coding of BSQ token grids: the bit prior driving the binary range coder.
//
// Usage:
//   bsq::entropy::TokenPlane tokens{frames, rows, cols, bits, codes};
//   std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(tokens);
//   bsq::entropy::TokenPlane back;
//   std::string error;
//   if (!bsq::entropy::decode_tokens(bytes.data(), bytes.size(), frames, rows, cols, bits, &back, &error))
//     fprintf(stderr, "%s\n", error.c_str());
//
// The stream holds only the coded bits: the dimensions travel in the container. Tokens are coded
// frame by frame, row by row, bit 0 first; each bit is predicted from the bits coded before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bsq/limits.h"
#include "prior_revision.h"

namespace bsq::entropy {

// Caps on what decode_tokens() accepts, so no allocation is sized by unchecked input.
inline constexpr int kMaxTokenBits = 64;
inline constexpr int kMaxTokenRows = 65536;
inline constexpr int kMaxTokenCols = 65536;
inline constexpr int kMaxTokenFrames = static_cast<int>(bsq::kMaxFrames);
inline constexpr int64_t kMaxTokens = int64_t{1} << 26;

struct TokenPlane {
  int frames = 0, rows = 0, cols = 0, bits = 0;
  std::vector<uint64_t> codes;  // frame-major, then row-major; bit i of a code is channel i
  // Optional bits per window, for a nested-bit model whose encoder keeps more bits where a
  // picture needs them: one frame cut into windows of window x window tokens (the last row and
  // column of windows may be cut short), one count in 1..bits per window, row-major. Each token
  // codes the leading bits of its window's count; its other bits are 0 once decoded. The counts
  // are coded in the stream, before the tokens. Empty: every token has `bits`.
  int window = 0;
  std::vector<uint8_t> window_bits = {};
  int prior = kLatestPriorRevision;  // the revision of the prior that codes it (prior_revision.h)
};

// Checks dimensions against the caps above; on failure says which one is wrong.
bool check_token_dims(int frames, int rows, int cols, int bits, std::string* error);

// The number of windows of window x window tokens a rows x cols grid has (window 1..65536).
size_t window_count(int rows, int cols, int window);

// The coded stream (never empty), or an empty vector when the dimensions are outside the caps,
// codes.size() != frames * rows * cols, the prior revision is unknown, or window counts are given for more than one
// frame, for another number of windows or outside 1..bits. Bits at or above a token's count are ignored.
std::vector<uint8_t> encode_tokens(const TokenPlane& tokens);

// Decodes a stream made by encode_tokens() with the same dimensions and prior revision; `window` >
// 0 for a stream with counts per window (of that many tokens a side, at most 65536; one frame
// only), 0 without. Returns false with a message on an unknown prior revision, bad dimensions, a count out of range, a
// truncated stream or bytes left over; a stream damaged in the middle may also decode "successfully" to wrong tokens
// (the container's CRC catches that).
bool decode_tokens(const uint8_t* data, size_t size, int frames, int rows, int cols, int bits, TokenPlane* out,
                   std::string* error, int window = 0, int prior = kLatestPriorRevision);

// The ideal code length of the stream under the prior (tokens, and window counts if any): the sum
// of -log2 P(bit) over every decision, with the same integer probabilities the coder uses. 0 on
// malformed input.
double ideal_code_length_bits(const TokenPlane& tokens);

// The tokens' share of it, token by token (frame-major, then row-major): what each token costs
// given the ones before it; the window counts are not in it. Empty on malformed input. For encoder
// decisions that weigh rate locally.
std::vector<double> token_code_lengths_bits(const TokenPlane& tokens);

}  // namespace bsq::entropy

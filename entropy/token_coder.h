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
};

// Checks dimensions against the caps above; on failure says which one is wrong.
bool check_token_dims(int frames, int rows, int cols, int bits, std::string* error);

// The coded stream (never empty), or an empty vector when the dimensions are outside the caps or
// codes.size() != frames * rows * cols. Bits at or above `bits` in a code are ignored.
std::vector<uint8_t> encode_tokens(const TokenPlane& tokens);

// Decodes a stream made by encode_tokens() with the same dimensions. Returns false with a
// message on bad dimensions, a truncated stream or bytes left over; a stream damaged in the
// middle may also decode "successfully" to wrong tokens (the container's CRC catches that).
bool decode_tokens(const uint8_t* data, size_t size, int frames, int rows, int cols, int bits, TokenPlane* out,
                   std::string* error);

// The ideal code length of the tokens under the prior: the sum of -log2 P(bit) over every
// decision, with the same integer probabilities the coder uses. 0 on malformed input.
double ideal_code_length_bits(const TokenPlane& tokens);

// The same, token by token (frame-major, then row-major): what each token costs given the ones
// before it. Empty on malformed input. For encoder decisions that weigh rate locally.
std::vector<double> token_code_lengths_bits(const TokenPlane& tokens);

}  // namespace bsq::entropy

// libFuzzer target: the token decoders alone (still planes and GOPs), on arbitrary bytes with small
// arbitrary dimensions.
//
// Input: 4 bytes of dimensions (bits, rows, cols, frames, each reduced to a small range so a run
// explores many streams rather than a few huge grids; the fourth also picks the prior revision and
// the window side), then the token stream, read both as a still
// plane and as a GOP of that many frames. Checks that decoding never crashes or reads out of bounds
// (AddressSanitizer), and that whatever it decodes survives an encode/decode round trip unchanged.
// A one-frame plane is read a third time, as a stream with bits per window; and the bytes once more
// as a restoration filter's parameters (filter_coder.h) and as a residual layer (residual_coder.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filter_coder.h"
#include "gop_coder.h"
#include "residual_coder.h"
#include "token_coder.h"

namespace {

// The same bytes as a GOP: decoded frames and repeat flags must code back to a stream that
// decodes to them again.
void fuzz_gop(const uint8_t* data, size_t size, int frames, int rows, int cols, int bits, int prior) {
  const size_t n = static_cast<size_t>(rows) * cols;
  std::vector<std::vector<uint64_t>> codes(frames, std::vector<uint64_t>(n));
  std::vector<std::vector<uint8_t>> repeat(frames, std::vector<uint8_t>(n));
  std::string error;
  bsq::entropy::GopDecoder dec(data, size, rows, cols, bits, prior);
  for (int f = 0; f < frames; ++f)
    if (!dec.next_frame(codes[f].data(), repeat[f].data(), &error)) {
      if (error.empty()) __builtin_trap();
      return;
    }
  if (!dec.finish(&error)) {
    if (error.empty()) __builtin_trap();
    return;
  }
  bsq::entropy::GopEncoder enc(rows, cols, bits, prior);
  for (int f = 0; f < frames; ++f) enc.add_frame(codes[f].data(), repeat[f].data());
  const std::vector<uint8_t> again = enc.finish();
  bsq::entropy::GopDecoder back(again.data(), again.size(), rows, cols, bits, prior);
  std::vector<uint64_t> frame(n);
  for (int f = 0; f < frames; ++f)
    if (!back.next_frame(frame.data(), nullptr, &error) || frame != codes[f]) __builtin_trap();
  if (!back.finish(&error)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const int bits = 1 + data[0] % 64;
  const int rows = 1 + data[1] % 24;
  const int cols = 1 + data[2] % 24;
  const int frames = 1 + data[3] % 3;
  const int prior = bsq::entropy::kFirstPriorRevision + data[3] / 24 % 2;
  fuzz_gop(data + 4, size - 4, frames, rows, cols, bits, prior);
  const auto read_as_plane = [&](int window) {
    bsq::entropy::TokenPlane tokens;
    std::string error;
    if (!bsq::entropy::decode_tokens(data + 4, size - 4, frames, rows, cols, bits, &tokens, &error, window, prior)) {
      if (error.empty()) __builtin_trap();  // a refusal must say why
      return;
    }
    const std::vector<uint8_t> again = bsq::entropy::encode_tokens(tokens);
    bsq::entropy::TokenPlane back;
    if (!bsq::entropy::decode_tokens(again.data(), again.size(), frames, rows, cols, bits, &back, &error, window,
                                     prior) ||
        back.codes != tokens.codes || back.window_bits != tokens.window_bits)
      __builtin_trap();
  };
  read_as_plane(0);
  if (frames == 1) read_as_plane(1 + data[3] / 3 % 8);  // with bits per window of 1 to 8 tokens
  // As a restoration filter's parameters: what decodes is within the caps and codes back to the
  // same bytes (the code is canonical).
  std::string error;
  bsq::entropy::FilterParams filter;
  if (bsq::entropy::decode_filter(data + 4, size - 4, &filter, &error)) {
    if (!bsq::entropy::check_filter(filter, nullptr) ||
        bsq::entropy::encode_filter(filter) != std::vector<uint8_t>(data + 4, data + size))
      __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();
  }
  // And as a still image's residual layer of 1 to 3 planes of up to 24x24 blocks.
  bsq::entropy::ResidualPlanes levels;
  error.clear();
  const int planes = 1 + data[0] % 3;
  if (!bsq::entropy::decode_residual(data + 4, size - 4, planes, cols, rows, &levels, &error)) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  const std::vector<uint8_t> again = bsq::entropy::encode_residual(levels);
  bsq::entropy::ResidualPlanes back;
  if (!bsq::entropy::decode_residual(again.data(), again.size(), planes, cols, rows, &back, &error) ||
      back.levels != levels.levels)
    __builtin_trap();
  // The encoder's quantiser on those levels as coefficients: at lambda 0 it keeps them exactly (the
  // same stream); at a price it keeps a stream that decodes to the levels it says it chose.
  bsq::entropy::ResidualCoefficients coefficients{planes, cols, rows, {levels.levels.begin(), levels.levels.end()}};
  bsq::entropy::ResidualPlanes chosen;
  if (bsq::entropy::encode_residual_rdo(coefficients, 0.0, &chosen) != again || chosen.levels != levels.levels)
    __builtin_trap();
  for (float& c : coefficients.values) c *= 0.7f;
  const std::vector<uint8_t> priced = bsq::entropy::encode_residual_rdo(coefficients, 0.02 * (data[1] % 16), &chosen);
  if (!bsq::entropy::decode_residual(priced.data(), priced.size(), planes, cols, rows, &back, &error) ||
      back.levels != chosen.levels)
    __builtin_trap();
  return 0;
}

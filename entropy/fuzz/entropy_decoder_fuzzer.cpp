// libFuzzer target: the token decoder alone, on arbitrary bytes with small arbitrary dimensions.
//
// Input: 4 bytes of dimensions (bits, rows, cols, frames, each reduced to a small range so a run
// explores many streams rather than a few huge grids), then the token stream. Checks that
// decoding never crashes or reads out of bounds (AddressSanitizer), and that whatever it decodes
// survives an encode/decode round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "token_coder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const int bits = 1 + data[0] % 64;
  const int rows = 1 + data[1] % 24;
  const int cols = 1 + data[2] % 24;
  const int frames = 1 + data[3] % 3;
  bsq::entropy::TokenPlane tokens;
  std::string error;
  if (!bsq::entropy::decode_tokens(data + 4, size - 4, frames, rows, cols, bits, &tokens, &error)) {
    if (error.empty()) __builtin_trap();  // a refusal must say why
    return 0;
  }
  const std::vector<uint8_t> again = bsq::entropy::encode_tokens(tokens);
  bsq::entropy::TokenPlane back;
  if (!bsq::entropy::decode_tokens(again.data(), again.size(), frames, rows, cols, bits, &back, &error) ||
      back.codes != tokens.codes)
    __builtin_trap();
  return 0;
}

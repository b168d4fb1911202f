// Token grids as files, for models that generate BSQ tokens: a NumPy array of the codes and a JSON
// sidecar with what the array alone cannot say (bsqenc --tokens writes both, bsqdec --from-tokens
// reads both; man bsqenc(1) documents the format).
//
//   FILE.npy   numpy.load gives a uint64 array of shape (frames, rows, cols), C order: one code per
//              token, bit i the sign of channel i (1: positive), as bsq::TokenGrid holds them
//   FILE.json  {"format":"bsq-tokens","version":1,"model_fingerprint":"0123456789abcdef",
//               "patch":8,"bits":32,"width":640,"height":480}
//
// The reader takes any integer dtype numpy.save writes (int64 too), validates every field, and
// leaves the fit of grid and model to Tokenizer::fits().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bsq/model_config.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"

namespace bsq::cli {

struct TokenFile {
  TokenGrid grid;
  uint64_t model_fingerprint = 0;  // grid.patch is the sidecar's "patch", 0 when it states none
};

// FILE.npy -> FILE.json. Token arrays must be named *.npy, so the two names never collide.
std::string token_sidecar_path(const std::string& npy_path);
bool is_token_array_path(const std::string& path);

std::vector<uint8_t> token_array_bytes(const TokenGrid& grid);
std::string token_sidecar_text(const TokenGrid& grid, uint64_t model_fingerprint, const ModelConfig& config);

// Reads FILE.npy and its sidecar. kIoError when either cannot be read; kInvalidData (naming the
// file) when one is malformed or they disagree; kUnsupported for dtypes and versions it cannot take.
StatusOr<TokenFile> read_token_file(const std::string& npy_path);

}  // namespace bsq::cli

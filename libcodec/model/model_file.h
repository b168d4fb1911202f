// Model files (.bsqm): hyper-parameters, weights and a content fingerprint a bitstream can name.
//
// Layout, all integers little-endian:
//   "BSQMODEL"  u32 version(=1)  u32 n  n bytes of ModelConfig text
//   u32 tensor count, then per tensor: u32 name length, name, u8 dtype (0 f32, 1 f16),
//   u8 ndim, ndim x u32 dims, the values
//   u64 fingerprint: FNV-1a 64 of every byte before it (identifies the model and catches
//   corruption; it is not a security measure).
#pragma once

#include <cstdint>
#include <string>

#include "bsq/status.h"
#include "model/tokenizer_model.h"

namespace bsq::model {

enum class WeightPrecision { kFloat32, kFloat16 };

struct LoadedModel {
  TokenizerModel net{nullptr};
  uint64_t fingerprint = 0;
};

// Writes to path + ".tmp" and renames, so a failure never leaves a half-written model.
Status save_model(const TokenizerModel& net, const std::string& path, WeightPrecision precision);
StatusOr<LoadedModel> load_model(const std::string& path);
// The config and fingerprint a file names, read from its first and last bytes: cheap, and no
// check of the content (load_model is).
struct ModelHeader {
  ModelConfig config;
  uint64_t fingerprint = 0;
};
StatusOr<ModelHeader> read_model_header(const std::string& path);

uint64_t fnv1a64(const uint8_t* data, size_t size);

}  // namespace bsq::model

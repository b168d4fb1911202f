// Tiny random models as files, for the tests and the command-line fixture (bsq_make_tiny_model).
#pragma once

#include <cstdint>
#include <string>

#include "bsq/model_config.h"
#include "bsq/status.h"
#include "tiny_model.h"

namespace bsq::testing {

// Saves a network of `config` (tiny_config(), say) with random weights drawn from seed `seed`.
// The weights are wider than the default initialisation, which makes nearly every token alike:
// these make tokens, and so streams, depend on the image, as a trained model's do.
Status save_tiny_model(const std::string& path, uint64_t seed, const ModelConfig& config);

// For the doctest suites: a tiny_config() model of `bits` bits per token (nested from min_bits when
// that is not 0) saved as `name` in the test's temporary directory. Its path, "" if it failed.
inline std::string tiny_model_file(const std::string& name, uint64_t seed, int min_bits = 0, int bits = 8) {
  ModelConfig config = tiny_config();
  config.bits = bits;
  config.min_bits = min_bits;
  const std::string path = temp_path(name);
  return save_tiny_model(path, seed, config).ok() ? path : std::string();
}

}  // namespace bsq::testing

// Tiny random models as files, for the tests and the command-line fixture (bsq_make_tiny_model).
#pragma once

#include <cstdint>
#include <string>

#include "bsq/model_config.h"
#include "bsq/status.h"

namespace bsq::testing {

// Saves a network of `config` (tiny_config(), say) with random weights drawn from seed `seed`.
// The weights are wider than the default initialisation, which makes nearly every token alike:
// these make tokens, and so streams, depend on the image, as a trained model's do.
Status save_tiny_model(const std::string& path, uint64_t seed, const ModelConfig& config);

}  // namespace bsq::testing

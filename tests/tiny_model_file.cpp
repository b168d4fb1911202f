// Tiny random models as files.
#include "tiny_model_file.h"

#include <torch/torch.h>

#include "model/model_file.h"
#include "model/tokenizer_model.h"

namespace bsq::testing {

Status save_tiny_model(const std::string& path, uint64_t seed, const ModelConfig& config) {
  BSQ_RETURN_IF_ERROR(config.validate());
  torch::manual_seed(seed);
  model::TokenizerModel net(config);
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.normal_(0, 0.3);
  return model::save_model(net, path, model::WeightPrecision::kFloat32);
}

}  // namespace bsq::testing

// Binary Spherical Quantization (arXiv 2406.07548, section 3) and its entropy regulariser.
#include "model/bsq_quantizer.h"

#include <cmath>

namespace bsq::model {
namespace {

// Binary entropy in bits, safe at p = 0 and p = 1.
torch::Tensor binary_entropy(const torch::Tensor& p) {
  const auto q = 1 - p;
  return -(p * torch::log2(p.clamp_min(1e-12)) + q * torch::log2(q.clamp_min(1e-12)));
}

}  // namespace

torch::Tensor bsq_codes(const torch::Tensor& u) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(u.size(-1)));
  return torch::where(u >= 0, torch::full({}, scale, u.options()), torch::full({}, -scale, u.options()));
}

torch::Tensor straight_through(const torch::Tensor& u, double hardness) {
  if (hardness <= 0) return u;
  return u + (hardness * (bsq_codes(u) - u)).detach();
}

BsqEntropy bsq_entropy(const torch::Tensor& u, double inv_temperature, const BatchMean& batch_mean) {
  const auto flat = u.reshape({-1, u.size(-1)});
  const auto p = torch::sigmoid(4.0 * inv_temperature * flat);
  const auto mean = [&](const torch::Tensor& local) { return batch_mean ? batch_mean(local) : local; };
  BsqEntropy out;
  out.per_sample = mean(binary_entropy(p).sum(-1).mean());
  // The entropy of the batch's mean probabilities: the mean is the batch's, not a shard's.
  out.codebook = binary_entropy(mean(p.mean(0))).sum();
  return out;
}

std::vector<uint64_t> pack_codes(const torch::Tensor& u) {
  const int64_t bits = u.size(-1);
  TORCH_CHECK(bits >= 1 && bits <= 64, "pack_codes: 1..64 bits per token");
  const auto signs = (u >= 0).to(torch::kCPU, torch::kUInt8).contiguous();
  const uint8_t* s = signs.data_ptr<uint8_t>();
  std::vector<uint64_t> indices(static_cast<size_t>(signs.numel() / bits));
  for (size_t t = 0; t < indices.size(); ++t) {
    uint64_t index = 0;
    for (int64_t i = 0; i < bits; ++i) index |= static_cast<uint64_t>(s[t * bits + i]) << i;
    indices[t] = index;
  }
  return indices;
}

torch::Tensor unpack_codes(const std::vector<uint64_t>& indices, int64_t bits, int64_t model_bits) {
  TORCH_CHECK(bits >= 1 && bits <= model_bits && model_bits <= 64, "unpack_codes: 1..L bits per token, L <= 64");
  auto codes = torch::zeros({static_cast<int64_t>(indices.size()), model_bits}, torch::kFloat32);
  float* c = codes.data_ptr<float>();
  const float scale = 1.0f / std::sqrt(static_cast<float>(model_bits));
  for (size_t t = 0; t < indices.size(); ++t)
    for (int64_t i = 0; i < bits; ++i) c[t * model_bits + i] = (indices[t] >> i & 1) ? scale : -scale;
  return codes;
}

torch::Tensor leading_bits_mask(int64_t kept_bits, int64_t model_bits) {
  return (torch::arange(model_bits) < kept_bits).to(torch::kFloat32);
}

BsqQuantizerImpl::BsqQuantizerImpl(int64_t width, int64_t bits) : bits_(bits) {
  down_ = register_module("down", torch::nn::Linear(width, bits));
  up_ = register_module("up", torch::nn::Linear(bits, width));
}

BsqOutput BsqQuantizerImpl::quantize(const torch::Tensor& z, double hardness) {
  BsqOutput out;
  out.u = torch::nn::functional::normalize(down_->forward(z),
                                           torch::nn::functional::NormalizeFuncOptions().dim(-1).eps(1e-8));
  out.codes = straight_through(out.u, hardness);
  return out;
}

torch::Tensor BsqQuantizerImpl::dequantize(const torch::Tensor& codes) { return up_->forward(codes); }

}  // namespace bsq::model

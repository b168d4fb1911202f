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

BsqEntropy bsq_entropy(const torch::Tensor& u, double inv_temperature) {
  const auto flat = u.reshape({-1, u.size(-1)});
  const auto p = torch::sigmoid(4.0 * inv_temperature * flat);
  BsqEntropy out;
  out.per_sample = binary_entropy(p).sum(-1).mean();
  out.codebook = binary_entropy(p.mean(0)).sum();
  return out;
}

torch::Tensor codes_to_indices(const torch::Tensor& codes) {
  const int64_t bits = codes.size(-1);
  TORCH_CHECK(bits <= 63, "token indices hold at most 63 bits in an int64 tensor");
  const auto weights = torch::pow(2, torch::arange(bits, torch::kInt64)).to(codes.device());
  return ((codes >= 0).to(torch::kInt64) * weights).sum(-1);
}

torch::Tensor indices_to_codes(const torch::Tensor& indices, int64_t bits) {
  TORCH_CHECK(bits <= 63, "token indices hold at most 63 bits in an int64 tensor");
  const auto shifts = torch::arange(bits, torch::kInt64).to(indices.device());
  const auto b = indices.unsqueeze(-1).bitwise_right_shift(shifts).bitwise_and(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(bits));
  return (b.to(torch::kFloat32) * 2 - 1) * scale;
}

BsqQuantizerImpl::BsqQuantizerImpl(int64_t width, int64_t bits) : bits_(bits) {
  down_ = register_module("down", torch::nn::Linear(width, bits));
  up_ = register_module("up", torch::nn::Linear(bits, width));
}

BsqOutput BsqQuantizerImpl::quantize(const torch::Tensor& z, double hardness) {
  BsqOutput out;
  out.u = torch::nn::functional::normalize(
      down_->forward(z), torch::nn::functional::NormalizeFuncOptions().dim(-1).eps(1e-8));
  out.codes = straight_through(out.u, hardness);
  return out;
}

torch::Tensor BsqQuantizerImpl::dequantize(const torch::Tensor& codes) { return up_->forward(codes); }

}  // namespace bsq::model

// Binary Spherical Quantization: project to L dims, normalise onto the sphere, take signs.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace bsq::model {

struct BsqOutput {
  torch::Tensor u;      // [..., L] projection normalised to unit length (differentiable)
  torch::Tensor codes;  // [..., L] what the decoder sees: sign(u)/sqrt(L) at hardness 1
};

// Entropy regulariser terms, both in bits per token (sums over the L bits).
struct BsqEntropy {
  torch::Tensor per_sample;  // E_u[H(q(c|u))]: low when every bit is confident
  torch::Tensor codebook;    // sum_i H(E_u[p_i]): high when all codes are used
};

// sign(u)/sqrt(L) with sign(0) = +1, so a code and its bit b_i = [u_i >= 0] always agree.
torch::Tensor bsq_codes(const torch::Tensor& u);

// Blend from the continuous u (hardness 0) to the binary codes (hardness 1). The forward value
// is (1-h)*u + h*codes; the gradient passes straight through to u whatever h is.
torch::Tensor straight_through(const torch::Tensor& u, double hardness);

// A mean over the training batch from one process's mean over its share of it (data-parallel
// training, trainer/rank_group.h); the identity in one process.
using BatchMean = std::function<torch::Tensor(const torch::Tensor&)>;

// Factorised entropy of the soft bit assignment p_i = sigmoid(4 * u_i * inv_temperature). Both
// terms are batch statistics, their means taken through batch_mean when given.
BsqEntropy bsq_entropy(const torch::Tensor& u, double inv_temperature, const BatchMean& batch_mean = nullptr);

// Token index <-> bits, the one place the codec converts between them. Bit i of a token's
// index is b_i = [u_i >= 0]; bit 0 is the first channel. L <= 64, so an index fits a uint64.
std::vector<uint64_t> pack_codes(const torch::Tensor& u);  // [..., k] -> one per token
// -> float [N, L]: channels below `bits` are +-1/sqrt(L), the rest (a nested-bit model's
// untransmitted bits) are 0. bits <= L.
torch::Tensor unpack_codes(const std::vector<uint64_t>& indices, int64_t bits, int64_t model_bits);

// For nested-bit training: a float [L] mask, 1 on the first `kept_bits` channels, 0 after them.
torch::Tensor leading_bits_mask(int64_t kept_bits, int64_t model_bits);

class BsqQuantizerImpl : public torch::nn::Module {
 public:
  BsqQuantizerImpl(int64_t width, int64_t bits);

  BsqOutput quantize(const torch::Tensor& z, double hardness);  // [..., width] -> [..., L]
  torch::Tensor dequantize(const torch::Tensor& codes);         // [..., L] -> [..., width]
  int64_t bits() const { return bits_; }

 private:
  int64_t bits_;
  torch::nn::Linear down_{nullptr}, up_{nullptr};
};
TORCH_MODULE(BsqQuantizer);

}  // namespace bsq::model

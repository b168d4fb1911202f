// Binary Spherical Quantization: geometry, bit order, entropy approximation, gradients.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>

#include "model/bsq_quantizer.h"

using namespace bsq::model;

TEST_CASE("codes lie on the unit sphere and agree with the signs of u") {
  torch::manual_seed(0);
  for (int64_t bits : {1, 7, 32, 64}) {
    const auto u = torch::nn::functional::normalize(torch::randn({100, bits}),
                                                    torch::nn::functional::NormalizeFuncOptions().dim(-1));
    const auto codes = bsq_codes(u);
    CHECK(torch::allclose(codes.norm(2, -1), torch::ones({100}), 1e-5, 1e-6));
    CHECK(torch::equal(codes >= 0, u >= 0));
    // Quantisation error bound from the paper: ||u - q|| < sqrt(2 - 2/sqrt(L)).
    CHECK((u - codes).norm(2, -1).max().item<double>() < std::sqrt(2.0 - 2.0 / std::sqrt(double(bits))) + 1e-6);
  }
  // sign(0) = +1.
  CHECK(bsq_codes(torch::zeros({1, 4})).min().item<float>() > 0);
}

TEST_CASE("index <-> bits round trip, bit i of the index is channel i") {
  const std::vector<uint64_t> indices = {0, 1, 5, uint64_t{1} << 20, (uint64_t{1} << 32) - 1};
  const auto codes = unpack_codes(indices, 32, 32);
  CHECK(pack_codes(codes) == indices);
  CHECK(codes[2][0].item<float>() > 0);  // 5 = 0b101: channel 0 set
  CHECK(codes[2][1].item<float>() < 0);  // channel 1 clear
  CHECK(codes[2][2].item<float>() > 0);
  CHECK(torch::allclose(codes.norm(2, -1), torch::ones({5})));  // unpacked codes are on the sphere
  std::mt19937_64 rng(1);
  for (int64_t bits : {1, 7, 40, 64}) {
    std::vector<uint64_t> random(1000);
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    for (auto& r : random) r = rng() & mask;
    CHECK(pack_codes(unpack_codes(random, bits, bits)) == random);
  }
  // Packing reads signs: bit i = [u_i >= 0], so sign(0) = +1 gives a set bit.
  CHECK(pack_codes(torch::tensor({{0.5f, -0.1f, 0.0f}})) == std::vector<uint64_t>{0b101});
}

TEST_CASE("nested bits: missing channels unpack to 0, the kept ones keep the model's scale") {
  const auto codes = unpack_codes({0b01, 0b10}, 2, 8);  // 2 of a model's 8 bits
  REQUIRE(codes.sizes() == torch::IntArrayRef({2, 8}));
  const float s = 1.0f / std::sqrt(8.0f);
  CHECK(codes[0][0].item<float>() == doctest::Approx(s));
  CHECK(codes[0][1].item<float>() == doctest::Approx(-s));
  CHECK(codes[1][0].item<float>() == doctest::Approx(-s));
  CHECK(codes[1][1].item<float>() == doctest::Approx(s));
  CHECK(codes.narrow(1, 2, 6).abs().sum().item<float>() == 0.0f);
  CHECK(pack_codes(codes.narrow(1, 0, 2)) == std::vector<uint64_t>{0b01, 0b10});

  CHECK(torch::equal(leading_bits_mask(1, 4), torch::tensor({1.f, 0.f, 0.f, 0.f})));
  CHECK(torch::equal(leading_bits_mask(3, 4), torch::tensor({1.f, 1.f, 1.f, 0.f})));
  CHECK(torch::equal(leading_bits_mask(4, 4), torch::tensor({1.f, 1.f, 1.f, 1.f})));
}

// Exact entropies over all 2^L codes, for comparison with the factorised version.
static std::pair<double, double> exact_entropies(const torch::Tensor& u, double inv_temperature) {
  const int64_t n = u.size(0), bits = u.size(1), codes = int64_t{1} << bits;
  const auto p = torch::sigmoid(4.0 * inv_temperature * u).to(torch::kFloat64);  // P(bit = 1)
  auto q = torch::ones({n, codes}, torch::kFloat64);
  for (int64_t c = 0; c < codes; ++c)
    for (int64_t i = 0; i < bits; ++i) q.select(1, c).mul_((c >> i & 1) ? p.select(1, i) : 1 - p.select(1, i));
  const auto h = [](const torch::Tensor& dist) { return -(dist * torch::log2(dist.clamp_min(1e-300))).sum(-1); };
  return {h(q).mean().item<double>(), h(q.mean(0)).item<double>()};
}

TEST_CASE("factorised entropy matches the exact entropy for small L") {
  torch::manual_seed(2);
  const auto u =
      torch::nn::functional::normalize(torch::randn({64, 6}), torch::nn::functional::NormalizeFuncOptions().dim(-1));
  const auto approx = bsq_entropy(u, 2.0);
  const auto [per_sample, codebook] = exact_entropies(u, 2.0);
  // The per-sample term factorises exactly.
  CHECK(approx.per_sample.item<double>() == doctest::Approx(per_sample).epsilon(1e-5));
  // The codebook term sums marginal entropies: an upper bound on the joint entropy...
  CHECK(approx.codebook.item<double>() >= codebook - 1e-6);
  // ...that is exact when the batch holds one distribution (the mean is then a product).
  const auto same = u.slice(0, 0, 1).expand({16, 6}).contiguous();
  CHECK(bsq_entropy(same, 2.0).codebook.item<double>() ==
        doctest::Approx(exact_entropies(same, 2.0).second).epsilon(1e-5));
}

TEST_CASE("the straight-through estimator passes gradients to u unchanged") {
  torch::manual_seed(3);
  for (double hardness : {1.0, 0.5}) {
    auto u = torch::randn({5, 8}).requires_grad_(true);
    const auto weights = torch::randn({5, 8});
    (straight_through(u, hardness) * weights).sum().backward();
    CHECK(torch::allclose(u.grad(), weights));
  }
  // Forward value at hardness 1 is the binary code.
  const auto u = torch::randn({3, 8});
  CHECK(torch::equal(straight_through(u, 1.0), u + (bsq_codes(u) - u)));
}

TEST_CASE("the quantizer's u is normalised and its codes are binary") {
  torch::manual_seed(4);
  BsqQuantizer q(16, 12);
  const auto out = q->quantize(torch::randn({10, 16}), 1.0);
  CHECK(torch::allclose(out.u.norm(2, -1), torch::ones({10}), 1e-5, 1e-6));
  CHECK(torch::allclose(out.codes.abs(), torch::full({10, 12}, 1.0 / std::sqrt(12.0)), 1e-5, 1e-6));
  CHECK(q->dequantize(out.codes).sizes() == torch::IntArrayRef({10, 16}));
}

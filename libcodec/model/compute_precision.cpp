// Reduced-precision inference (see compute_precision.h).
#include "model/compute_precision.h"

namespace bsq::model {

bool cpu_has_fast_bfloat16() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
#if defined(__clang__) && __clang_major__ < 18
  // Older clang (Debian 12's 14, the fuzz and sanitizer builds) rejects "amx-bf16" here; every CPU
  // with AMX-BF16 so far also has AVX512-BF16.
  return __builtin_cpu_supports("avx512bf16");
#else
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#endif
#else
  return false;
#endif
}

void to_compute_precision(torch::nn::Module& net, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (const auto& item : net.named_modules()) {
    const std::string& name = item.key();
    torch::nn::Module& m = *item.value();
    bool convert = false;
    if (auto* linear = m.as<torch::nn::Linear>())
      // The bottleneck's projections decide the token signs and are tiny: float32.
      convert = name.rfind("quantizer", 0) != 0 && linear->options.in_features() > 0;
    else if (auto* conv = m.as<torch::nn::Conv2d>())
      convert = conv->options.in_channels() != 3 && conv->options.out_channels() != 3;
    if (!convert) continue;
    for (auto& p : m.parameters(/*recurse=*/false)) p.set_data(p.to(dtype));
  }
}

}  // namespace bsq::model

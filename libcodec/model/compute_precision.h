// Reduced-precision inference: which layers run in bfloat16, and how a model is put there.
//
// The residual stream, LayerNorms, the bottleneck projections and the convolutions that touch
// pixels stay float32; the transformer branches and the inner convolutions run in the dtype of
// their weights. A trained model is float32 throughout, so training never sees bfloat16; a
// Tokenizer converts its copy with to_compute_precision() when the CPU multiplies bfloat16
// natively (AVX-512 BF16 or AMX: 3 to 6x the float32 rate on this project's CPU,
// bench/speed.md).
#pragma once

#include <torch/torch.h>

namespace bsq::model {

// True when this CPU has native bfloat16 dot products (AVX512_BF16 or AMX-BF16).
bool cpu_has_fast_bfloat16();

// Converts the weights of the layers that may run in `dtype` (see above); the rest keep float32.
void to_compute_precision(torch::nn::Module& net, torch::ScalarType dtype);

}  // namespace bsq::model

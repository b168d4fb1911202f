// Still-image coding: Image -> .bsq stream -> Image, through tokenizer, entropy coder and container.
//
// Usage:
//   auto tok = bsq::Tokenizer::open("models/default.bsqm");
//   auto bytes = bsq::encode_image(tok.value(), image, {60});  // quality 60: a complete .bsq stream
//   auto back = bsq::decode_image(tok.value(), bytes->data(), bytes->size());
//
// The decoder checks the stream before it decodes: damaged, truncated, foreign-version and
// other-model streams come back as a Status naming the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bsq/image.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"

namespace bsq {

inline constexpr int kDefaultQuality = 90;

struct EncodeOptions {
  int quality = kDefaultQuality;  // 0..100, turned into bits per token by bits_for_quality()
};

// Bits per token at a quality 0..100 (clamped). A nested-bit model gives its lowest_bits at 0 and
// 1 and all its bits at 100, geometrically in between: bits = lowest * (L / lowest)^((q - 1) / 99),
// rounded, so equal quality steps are about equal steps in log rate (and in PSNR). A fixed-rate
// model has one rate, whatever the quality.
int bits_for_quality(const ModelConfig& config, int quality);

StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image,
                                            const EncodeOptions& options = {});
StatusOr<Image> decode_image(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

// The first half of decode_image(): the validated stream's token grid, before the network runs.
// Integer arithmetic only, so it is the same on every machine (conformance/ checks it).
StatusOr<TokenGrid> decode_tokens(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

}  // namespace bsq

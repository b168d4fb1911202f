// Still-image coding: Image -> .bsq stream -> Image, through tokenizer, entropy coder and container.
//
// Usage:
//   auto tok = bsq::Tokenizer::open("models/default.bsqm");
//   auto bytes = bsq::encode_image(tok.value(), image, {60});  // quality 60: a complete .bsq stream
//   auto back = bsq::decode_image(tok.value(), bytes->data(), bytes->size());
//
// A set of models (a coarse and a fine one, say) is one codec through bsq::ModelSet
// (bsq/model_set.h): the quality picks the model and its bits, the stream the model to decode it.
//
// The decoder checks the stream before it decodes: damaged, truncated, foreign-version and
// other-model streams come back as a Status naming the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bsq/export.h"
#include "bsq/image.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"

namespace bsq {

inline constexpr int kDefaultQuality = 90;

struct EncodeOptions {
  int quality = kDefaultQuality;  // 0..100, turned into bits per token by bits_for_quality()
  int bits = 0;                   // bits per token, overriding quality (operating_point() gives them)
};

// A codec can ship a set of models, each covering a range of raw rates (lowest_bits to bits per
// token). Quality 0..100 (clamped to 1..100) picks a raw rate geometrically between the set's
// lowest and highest, r = lowest * (highest / lowest)^((q - 1) / 99), so equal quality steps are
// about equal steps in log rate (and in PSNR). Each model offers its bits nearest r (round(r *
// patch^2), within its range); the offer whose raw rate is nearest r in log rate codes the image,
// the earliest model in the list on a tie. So where two models give the same raw rate, the earlier
// one always codes it (list a model trained for that rate alone before a nested one), and where r
// falls in a gap between ranges, the nearer end codes it.
struct OperatingPoint {
  size_t model = 0;  // index into the set
  int bits = 0;      // bits per token
};
BSQ_API OperatingPoint operating_point(const std::vector<ModelConfig>& models, int quality);

// The same for one model: its lowest_bits at quality 0 and 1, all its bits at 100. A fixed-rate
// model has one rate, whatever the quality.
BSQ_API int bits_for_quality(const ModelConfig& config, int quality);

BSQ_API StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image,
                                                    const EncodeOptions& options = {});
BSQ_API StatusOr<Image> decode_image(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

// Which model a stream needs: the fingerprint its header names (the whole stream is validated, so
// a damaged one fails here as it would in decode_image). For picking a tokenizer out of a set.
BSQ_API StatusOr<uint64_t> stream_model_fingerprint(const uint8_t* data, size_t size);

// The second half of encode_image(): the .bsq stream of a token grid (tokenizer.encode()'s, or any
// grid tokenizer.fits()). With decode_tokens() below, tokens go out to a generative model and back.
BSQ_API StatusOr<std::vector<uint8_t>> encode_tokens(const Tokenizer& tokenizer, const TokenGrid& grid);
// The first half of decode_image(): the validated stream's token grid, before the network runs.
// Integer arithmetic only, so it is the same on every machine (conformance/ checks it).
BSQ_API StatusOr<TokenGrid> decode_tokens(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

}  // namespace bsq

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
#include "bsq/quality.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"

namespace bsq {

struct EncodeOptions {
  int quality = kDefaultQuality;  // 0..100, turned into bits per token by bits_for_quality()
  int bits = 0;                   // bits per token, overriding quality (operating_point() gives them)
  int effort = kDefaultEffort;    // kMinEffort..kMaxEffort: encoding time for PSNR (bsq/quality.h)
  // Above kMinEffort, with a nested-bit model: bits per attention window, chosen by the encoder
  // around the quality's bits (Tokenizer::encode); false: the same bits everywhere.
  bool per_window_bits = true;
  // A residual layer over the tokens' picture (still images; bsq/quality.h, residual_step()): its
  // quantiser step, 0 for none. The stream keeps it in 1/256 units. ModelSet::encode() sets it
  // from the quality.
  double residual_step = 0.0;
  // ModelSet::encode(): from kResidualQuality up, token_quality()'s tokens and a residual layer;
  // false: the quality's own tokens alone at every quality.
  bool residual_layer = true;
  // A still image's restoration filter: a linear filter the encoder fits to the decoded picture
  // and the decoder applies last, when it is worth its bits (the stream's FILT chunk, man bsq.5);
  // false: none.
  bool filter = true;
};

BSQ_API StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image,
                                                    const EncodeOptions& options = {});
BSQ_API StatusOr<Image> decode_image(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

// Which model a stream needs: the fingerprint its header names (the whole stream is validated, so
// a damaged one fails here as it would in decode_image). For picking a tokenizer out of a set.
BSQ_API StatusOr<uint64_t> stream_model_fingerprint(const uint8_t* data, size_t size);

// The second half of encode_image(): the .bsq stream of a token grid (tokenizer.encode()'s, or any
// grid tokenizer.fits()). With decode_tokens() below, tokens go out to a generative model and back.
BSQ_API StatusOr<std::vector<uint8_t>> encode_tokens(const Tokenizer& tokenizer, const TokenGrid& grid);
// The same with the still-image tools that bring the grid's decoded picture closer to `image`, the
// picture the grid was made from: a residual layer (residual_step > 0, as EncodeOptions's; 0: none)
// and the restoration filter (`filter`, as EncodeOptions's). The grid must be one frame of its size.
BSQ_API StatusOr<std::vector<uint8_t>> encode_tokens(const Tokenizer& tokenizer, const TokenGrid& grid,
                                                     const Image& image, double residual_step, bool filter = true);
// The first half of decode_image(): the validated stream's token grid, before the network runs
// (and before a residual layer, if the stream has one, is added to its picture).
// Integer arithmetic only, so it is the same on every machine (conformance/ checks it).
BSQ_API StatusOr<TokenGrid> decode_tokens(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

}  // namespace bsq

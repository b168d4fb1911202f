// Still-image coding: Image -> .bsq stream -> Image, through tokenizer, entropy coder and container.
//
// Usage:
//   auto tok = bsq::Tokenizer::open("models/default.bsqm");
//   auto bytes = bsq::encode_image(tok.value(), image);          // a complete .bsq stream
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

StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image);
StatusOr<Image> decode_image(const Tokenizer& tokenizer, const uint8_t* data, size_t size);

}  // namespace bsq

// Runs the network over an image in horizontal stripes, so that memory grows with the image's
// width, not its area (an 8000x6000 photo encodes in 785 MiB at the default effort 1, 1.4 GiB at
// effort 3, and decodes in 0.9 GiB: bench/large_image.md, bench/large_image_effort3.md).
//
// A stripe is a band of whole attention windows plus the halo rows its windows and convolutions
// read: Transformer::input_rows() for the blocks, one token for the stem and head convolutions.
// The halo rows past the top and bottom edges are the rows at the other edge, as the shifted
// windows wrap around there, so every token and pixel is what a whole-image pass computes (up to
// the summation order of the matrix products). Images of up to a stripe run in one pass.
#pragma once

#include <cstdint>
#include <vector>

#include "bsq/image.h"
#include "model/tokenizer_model.h"

namespace bsq::model {

// Tokens per stripe, halo excluded: about 84 MB per float32 activation of width 160. Each
// transformer block runs a group of windows at a time through both of its branches
// (TransformerBlock), so the wider tensors of attention and MLP exist for one group only.
inline constexpr int64_t kStripeTokens = int64_t{1} << 17;
// The encoder's stripes while the search (model/latent_search.h) holds the latent of the whole
// picture, 2 bytes per bit per token: half the height, which leaves room for it (an 8000x6000
// photo at effort 3 peaked at 1550 MiB with whole stripes, at 1441 with these).
inline constexpr int64_t kSearchStripeTokens = kStripeTokens / 2;

// The stem and head convolutions reach less than a token across a stripe's or tile's edge (4x4
// stride-2 and 3x3 kernels): one token of margin covers them.
inline constexpr int64_t kConvMargin = 1;

// Whether `size` token rows (or columns) run in one pass rather than in pieces of `core`: one
// piece with the halo its blocks and convolutions read would cover them anyway.
bool fits_one_pass(Transformer& transformer, int64_t core, int64_t size);

struct TokenPlaneSize {
  int64_t rows = 0, cols = 0;  // token grid: the image padded to whole windows, over the patch
};
TokenPlaneSize token_plane_size(const ModelConfig& config, int width, int height);

// The first `bits` bits of every token of a one-frame image, row-major (see pack_codes). With
// `confidence`, also each of those bits' margin: |u_i| * sqrt(L) * 64, rounded and capped at 255
// (64: a channel as far from its sign's boundary as the codeword's own entries), bits * tokens
// bytes in the codes' order, for encoder-side decisions that weigh what a bit costs to change.
// A defined `latent` ([rows, cols, L], any floating dtype, CPU) is filled with the latent u itself,
// all L channels, for the search of model/latent_search.h; a tensor made outside inference mode
// (latent_tensor()) stays usable by autograd after being written here.
std::vector<uint64_t> encode_in_stripes(TokenizerModel& net, const Image& image, int bits, const torch::Device& device,
                                        int64_t stripe_tokens = kStripeTokens,
                                        std::vector<uint8_t>* confidence = nullptr, const torch::Tensor& latent = {});

// An uninitialised latent for encode_in_stripes(): float16, half the bytes of float32 (an
// 8000x6000 photo's is 190 MB at 32 bits per 4x4 patch), which the search's starting point needs.
torch::Tensor latent_tensor(const ModelConfig& config, int width, int height);

// The image of width x height decoded from `codes` (rows x cols tokens of `bits` bits). With
// `token_bits` (one count per token, each <= bits), a nested-bit model decodes each token from its
// own leading bits: the codes' bits past a token's count are ignored.
Image decode_in_stripes(TokenizerModel& net, const std::vector<uint64_t>& codes, int bits, int width, int height,
                        const torch::Device& device, int64_t stripe_tokens = kStripeTokens,
                        const std::vector<uint8_t>* token_bits = nullptr);

}  // namespace bsq::model

// Encoder-side search: better codes for a fixed decoder (issue 13, lever 3).
//
// The encoder network maps an image to its latent u in one pass; the signs of u are good codes,
// not the best ones for what the decoder makes of them. The search runs gradient steps (Adam) on
// a free copy v of u, the decoder fed the signs of v's kept bits with a straight-through gradient,
// the loss being the squared error of the decoded pixels. A step moves each v_i by about `step`,
// so within a few steps only bits close to their sign boundary flip, and only where flipping them
// lowers the error. Of the iterates, the one whose decoded pixels (clamped to the pixel range,
// before rounding to 8 bits) are closest is kept, so a picture searched whole never decodes worse
// than the encoder's codes.
//
// Larger pictures are searched tile by tile, each decoded with the halo of tokens its pixels
// depend on (Transformer::input_rows, cyclic as the shifted windows are), so memory is bounded by
// the tile, not the image; a dimension that fits in one tile is run whole. Tiles are visited in
// raster order, each seeing its already-searched neighbours. The search is greedy there: a tile's
// loss counts its own pixels, while its tokens also reach some pixels of its neighbours (within
// the decoder's halo), which may then decode better or worse. On the one whole dev photo
// measured, searched in tiles, effort 3 gains +2.0 dB, above the +1.15 dB mean of the dev crops
// searched whole (bench/latent_search.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "bsq/image.h"
#include "model/tokenizer_model.h"

namespace bsq::model {

struct SearchSettings {
  int iterations = 0;  // gradient steps per tile; 0: the encoder's codes unchanged
  double step = 1e-3;  // Adam's learning rate on v (u has unit length: entries ~ 1/sqrt(L))
  int64_t tile = 96;   // core tile side in tokens, a multiple of the window (halo excluded)
};

// What effort kMinEffort..kMaxEffort (bsq/quality.h) searches with a network whose decoder side
// costs `decoder_macs_per_pixel` (TokenizerModel): the one place effort levels are defined.
// kMinEffort: no search. The levels are set for the reference network below, which codes the
// default quality, and an effort is a budget of decoder passes per pixel: a network whose decoder
// costs less takes the highest level whose steps fit in the same multiply-adds (default.bsqm's,
// 5.5 times cheaper, takes level 6's 8 steps at effort 3), so the search time per pixel of an
// effort is about the same whichever network codes the picture.
inline constexpr double kSearchReferenceMacsPerPixel = 105824;  // fine32.bsqm: 4 blocks of 160, 4x4 patches
SearchSettings search_for_effort(int effort, double decoder_macs_per_pixel = kSearchReferenceMacsPerPixel);

// Searched codes of `bits` bits for `image`, packed as pack_codes() packs them (row-major). With
// `token_bits` (one count per token, each <= bits), each token keeps its own leading bits: the
// decoder is fed those alone, and the returned codes have the bits past each count cleared.
// latent: the encoder's u for the padded image, [rows, cols, L] (any floating dtype, CPU, not an
// inference tensor: see latent_tensor()); the search updates it in place, tile by tile. Runs with
// autograd on whatever mode the calling thread is in; the model's parameters need no gradient.
std::vector<uint64_t> search_codes(TokenizerModel& net, const Image& image, torch::Tensor& latent, int bits,
                                   const SearchSettings& settings, const torch::Device& device,
                                   const std::vector<uint8_t>* token_bits = nullptr);

}  // namespace bsq::model

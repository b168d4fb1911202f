// Bits per window: the encoder's rate-distortion choice of how many leading bits each attention
// window of a nested-bit model keeps (issue 13, lever 2; bench/adaptive_rate.md measured it).
//
// The tokens are coded once at the model's full bits. For a few candidate counts around the
// nominal one (the quality's), the grid truncated to each count everywhere is decoded, and per
// window its squared error and its tokens' code length under the prior are measured. Each window
// then takes the count that minimises error + multiplier * bits, the Lagrange multiplier the
// smallest whose choice costs no more bits than the nominal count everywhere, as the prior codes
// the mixed grid and its counts: the picture keeps the quality's rate, and a flat region gives
// back bits that a detailed one spends.
//
// The choice sees each window among neighbours of the same count, while the decoder mixes
// windows through shifted attention and convolutions; the study found the mixed decode no worse.
#pragma once

#include <cstdint>
#include <vector>

#include "bsq/image.h"
#include "model/tokenizer_model.h"

namespace bsq {

// The counts the choice tries: the model's lowest, then half an octave up at each step (rounded),
// up to all its bits. The same for every quality, so that a higher quality, whose budget is larger,
// chooses among the same counts at a lower price and keeps each window's error as low or lower
// (with candidates around the quality's own count instead, a 24-bit quality could go no lower than
// 16 where an 18-bit one went to 10, and came out worse). In ratio, not in bits, because PSNR grows
// about with the log of the bits. The nominal count need not be among them.
std::vector<int> window_bits_candidates(const ModelConfig& config);

// How many choices are measured as coded (the search for the largest limit whose choice fits the
// budget as coded); if none fits, the nominal count everywhere is kept.
inline constexpr int kWindowBitsBudgetRounds = 6;
// A choice whose cost as coded is within this fraction of the budget ends that search.
inline constexpr double kWindowBitsBudgetClose = 0.995;

// The count per window (raster order over the grid of config().window-token windows), each one of
// window_bits_candidates(), or the nominal count everywhere. full_codes: every token's
// config().bits bits, rows x cols, row-major.
// The counts' real code length (tokens at their counts, and the counts) never exceeds that of the
// nominal count everywhere. A model of one rate gets the nominal count everywhere.
std::vector<uint8_t> choose_window_bits(model::TokenizerModel& net, const Image& image,
                                        const std::vector<uint64_t>& full_codes, int64_t rows, int64_t cols,
                                        int nominal, const torch::Device& device);

// Clears each code's bits from its token's count up: token_bits[i] for code i, or `bits` for every
// code when token_bits is empty.
void keep_leading_bits(std::vector<uint64_t>& codes, int bits, const std::vector<uint8_t>& token_bits = {});

// One count per token from one per window of `window` tokens a side (rows x cols, row-major).
std::vector<uint8_t> token_bits_of_windows(int64_t rows, int64_t cols, int window,
                                           const std::vector<uint8_t>& window_bits);

}  // namespace bsq

// Quality -> operating point: which model of a set codes an image, and with how many bits per token.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bsq/export.h"
#include "bsq/model_config.h"
#include "bsq/status.h"

namespace bsq {

inline constexpr int kDefaultQuality = 90;

// Encoder effort, as cwebp -m or cjxl -e: how long the encoder searches for tokens that the same
// decoder turns into a closer picture (libcodec/model/latent_search.h). 1 is the encoder network
// alone; each step up costs more encoding time for more PSNR at about the same rate. Decoding is
// the same whatever the effort. The default is 1: every search level runs the decoder forwards
// and backwards over the picture, several times the network alone (effort 3 on the dev stills:
// 12.5 against 1.35 seconds per megapixel, bench/speed.md), too slow a default for photos; effort
// 3 (+0.8 to 1.3 dB at 2 to 5 % more bytes, bench/latent_search.md) is what eval/rd_eval.sh
// reports. Above 1 the encoder also chooses between the two ends of a RateGap (below), which
// costs about a third more at -q 90 (eval/README.md).
inline constexpr int kMinEffort = 1;
inline constexpr int kMaxEffort = 9;
inline constexpr int kDefaultEffort = 1;
// OK, or kInvalidArgument naming the range.
BSQ_API Status check_effort(int effort);

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

// Where r falls in a gap between the models' ranges (two fixed-rate models, say), neither end is
// right for every picture: a smooth photo gains much from the upper end's extra bits, a textured
// one little. Above kMinEffort the encoder codes the picture with both ends (the encoder network
// alone), and the upper end codes it when it adds at least `price` dB of PSNR per bpp of extra
// rate (ModelSet::encode); at kMinEffort, and for video, the nearer end (operating_point()) codes
// it. The price falls from infinite at the lower end to 0 at the upper, as
// kHighRatePrice * (1 - t) / t with t the fraction of the gap below r in log rate: so as the
// quality rises each picture moves to the upper end once and stays there, and where the upper end
// costs more and gives more (what it is in a set), a higher quality never gives a lower rate or PSNR.
struct RateGap {
  OperatingPoint lower, upper;
  double price = 0.0;  // dB of PSNR per bpp
};
// High-rate theory: an extra bit per sample buys 6.02 dB, so a bit per pixel of 3 samples 2.007 dB:
// the price in the middle of a gap.
inline constexpr double kHighRatePrice = 6.0206 / 3.0;
// The gap `quality` falls in, or none (r within some model's range, or an empty set).
BSQ_API std::optional<RateGap> rate_gap(const std::vector<ModelConfig>& models, int quality);

// The residual layer (still images; bsq/codec.h, EncodeOptions::residual_step). Token models
// stop gaining early: the shipped set's tokens alone gave 34.2 dB at 1.48 bpp on the dev photos.
// So from kResidualQuality up, the tokens of kResidualBaseQuality (in the shipped set:
// default.bsqm at 0.13 bpp) code the picture's structure, and a residual layer, quantised 8x8 DCT
// coefficients of the rest, its detail (35.7 dB at 1.02 bpp there; eval/README.md): its quantiser
// step falls geometrically with the quality, from kResidualCoarsestStep at kResidualQuality to
// kResidualFinestStep at 100 (each quality step about a constant step in log rate). The layer
// starts right above its base: its coarsest step adds about nothing to it, and on train crops a
// coarse layer over the base beat the larger token models' own points from 0.18 bpp (the tokens
// alone gained nothing from -q 32 to 41). Video has no residual layer.
inline constexpr int kResidualQuality = 17;
inline constexpr int kResidualBaseQuality = 16;
inline constexpr double kResidualCoarsestStep = 320.0;
inline constexpr double kResidualFinestStep = 6.0;
// The residual's quantiser step at `quality` (on 8-bit samples through orthonormal transforms), 0
// below kResidualQuality.
BSQ_API double residual_step(int quality);
// The quality whose tokens code a still image at `quality`: kResidualBaseQuality where a residual
// layer codes the rest, `quality` otherwise.
BSQ_API int token_quality(int quality);

// The same for one model: its lowest_bits at quality 0 and 1, all its bits at 100. A fixed-rate
// model has one rate, whatever the quality.
BSQ_API int bits_for_quality(const ModelConfig& config, int quality);

}  // namespace bsq

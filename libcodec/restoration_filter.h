// The restoration filter of a still image (the container's FILT chunk, man/bsq.5): a linear filter
// the encoder fits to the picture the decoder will show, by least squares against the original,
// and the decoder applies last. It corrects what the network and the residual layer leave in the
// same way all over a picture: blur, ringing, block edges, a colour cast or a lost contrast.
// Internal to libcodec: the image encoder and decoder share it, so the two cannot disagree.
//
// It works on the three colour planes (colour_planes.h) in integers. The first plane's pixels fall
// into classes by the activity of their 4x4 block: the sum over the block of |2c - left - right| +
// |2c - up - down| on that plane (edges repeated), class i when i of the thresholds are <= it; each
// class has a filter, and the other two planes one each. A filter's correction of a sample c, in
// 1/32768 of the plane's unit, is 256 * sum_j tap_j * (a_j + b_j - 2c) + gain * c + 2048 * bias,
// where (a_j, b_j) are the samples at +-(dy, dx) for the 12 offsets of a 7x7 diamond (|dy| + |dx|
// <= 3; positions past the picture's edge take the edge's sample), all read from the unfiltered
// picture. The corrections go back to RGB through the axes' inverse (R = (2 P0 + 3 P1 + P2) / 6,
// G = (2 P0 - 3 P1 + P2) / 6, B = (P0 - P2) / 3), each channel rounded to nearest (halves up) and
// clamped to 0..255. A filter that is off corrects nothing.
#pragma once

#include <optional>

#include "bsq/image.h"
#include "filter_coder.h"

namespace bsq::codec_detail {

// The filter that brings `decoded` (what the decoder shows without it) closest to `original` (same
// size) for its price: the least squared RGB error + price * bits, with `price` in squared 8-bit
// steps per bit. Nothing when no filter is worth its bits.
std::optional<entropy::FilterParams> design_filter(const Image& original, const Image& decoded, double price);

// Applies the filter to `picture`.
void apply_filter(const entropy::FilterParams& filter, Image* picture);

}  // namespace bsq::codec_detail

// The colour axes the still-image tools work in (residual layer, restoration filter): one
// brightness-like and two opponent axes, orthogonal, so an error along each adds to the RGB error
// by its squared length alone. Internal to libcodec.
#pragma once

namespace bsq::codec_detail {

inline constexpr int kColourPlanes = 3;
// The axes unnormalised, in integers: plane k of an RGB sample is sum_c kColourAxes[k][c] * rgb[c].
inline constexpr int kColourAxes[kColourPlanes][3] = {{1, 1, 1}, {1, -1, 0}, {1, 1, -2}};
// Their squared lengths: 3, 2 and 6.
inline constexpr int kColourAxisNorm2[kColourPlanes] = {3, 2, 6};

}  // namespace bsq::codec_detail

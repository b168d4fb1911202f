// Lossless coding of a still image's restoration filter: the integers the FILT chunk carries.
//
// Usage:
//   bsq::entropy::FilterParams filter;             // the encoder's design (libcodec/restoration_filter.h)
//   std::vector<uint8_t> bytes = bsq::entropy::encode_filter(filter);
//   bsq::entropy::FilterParams back;
//   std::string error;
//   if (!bsq::entropy::decode_filter(bytes.data(), bytes.size(), &back, &error))
//     fprintf(stderr, "%s\n", error.c_str());
//
// What the integers mean (planes, classes, taps) belongs to the codec (libcodec/restoration_filter.h);
// here they are fields with caps, written as Exp-Golomb codes in a bit string (entropy/README.md,
// "The restoration filter"). A few hundred bits per image: not worth an adaptive model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bsq::entropy {

inline constexpr int kFilterTaps = 12;         // weights of the symmetric pairs of a 7x7 diamond
inline constexpr int kMaxFilterClasses = 16;   // activity classes of the first plane
inline constexpr int kFilterChromaPlanes = 2;  // the other planes: one filter each
// Caps: a tap in 1/128, a gain in 1/32768, a bias in 1/16 of a plane's unit, a class threshold.
inline constexpr int kMaxFilterTap = 2047;
inline constexpr int kMaxFilterGain = 32768;
inline constexpr int kMaxFilterBias = 8191;
inline constexpr uint32_t kMaxFilterThreshold = (1u << 24) - 1;

struct PlaneFilter {
  bool on = false;  // off: the plane passes unchanged
  int16_t taps[kFilterTaps] = {};
  int32_t gain = 0;
  int32_t bias = 0;
};

struct FilterParams {
  // Ascending activity thresholds: thresholds.size() + 1 classes, at most kMaxFilterClasses.
  std::vector<uint32_t> thresholds;
  // One filter per class of the first plane, then one per other plane: classes + kFilterChromaPlanes.
  std::vector<PlaneFilter> filters;
};

// Checks the caps and the filters' count; on failure says which field is wrong.
bool check_filter(const FilterParams& filter, std::string* error);

// The coded bytes, or an empty vector when check_filter() fails.
std::vector<uint8_t> encode_filter(const FilterParams& filter);

// What encode_filter() spends on one filter (its on / off bit included) and on the class
// thresholds (their count included), in bits: the encoder's price of each.
int filter_bits(const PlaneFilter& filter);
int threshold_bits(const std::vector<uint32_t>& thresholds);

// Decodes encode_filter()'s bytes. False with a message on a truncated string, a field out of
// range, or bits left over.
bool decode_filter(const uint8_t* data, size_t size, FilterParams* out, std::string* error);

}  // namespace bsq::entropy

// What the video encoder and decoder share: the metadata entries that carry the source's YUV
// coding (internal).
#pragma once

#include <string>
#include <vector>

#include "bsq/video.h"
#include "container_format.h"

namespace bsq::video_detail {

// The coded samples are R'G'B'; these say how the source stored them, for writing the clip back.
inline constexpr const char* kSourceMatrixKey = "source-matrix";  // H.273 MatrixCoefficients
inline constexpr const char* kSourceRangeKey = "source-range";    // "full" or "limited"

inline std::vector<bitstream::Metadata> source_metadata(const VideoDescription& clip) {
  return {{kSourceMatrixKey, std::to_string(clip.color_matrix)},
          {kSourceRangeKey, clip.full_range ? "full" : "limited"}};
}

// Applies what it recognises; anything else (or a value out of range) leaves the field alone.
inline void apply_source_metadata(const std::vector<bitstream::Metadata>& entries, VideoDescription* clip) {
  for (const auto& e : entries) {
    if (e.key == kSourceMatrixKey && !e.value.empty() && e.value.size() <= 3 &&
        e.value.find_first_not_of("0123456789") == std::string::npos && std::stoi(e.value) <= 255)
      clip->color_matrix = std::stoi(e.value);
    else if (e.key == kSourceRangeKey && (e.value == "full" || e.value == "limited"))
      clip->full_range = e.value == "full";
  }
}

}  // namespace bsq::video_detail

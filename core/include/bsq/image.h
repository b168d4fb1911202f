// Frames as the codec core sees them: 8-bit interleaved RGB, no file format attached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bsq {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3 bytes, row-major, R G B

  Image() = default;
  Image(int w, int h) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3) {}
  bool empty() const { return width <= 0 || height <= 0; }
  uint8_t* row(int y) { return rgb.data() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* row(int y) const { return rgb.data() + static_cast<size_t>(y) * width * 3; }
};

}  // namespace bsq

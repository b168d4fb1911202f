// Pixel <-> tensor conversion: v / 127.5 - 1 in, round((x + 1) * 127.5) clamped out.
#include "model/image_tensor.h"

#include <algorithm>
#include <cstring>

namespace bsq::model {
namespace {

torch::Tensor to_unit_range(const torch::Tensor& hwc_bytes) {
  return hwc_bytes.permute({2, 0, 1}).to(torch::kFloat32).div(127.5).sub(1.0).unsqueeze(0).unsqueeze(0).contiguous();
}

torch::Tensor all_pixels(const Image& image) {
  return torch::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, torch::kUInt8);
}

}  // namespace

torch::Tensor image_to_tensor(const Image& image) { return to_unit_range(all_pixels(image)); }

torch::Tensor image_rows_to_tensor(const Image& image, int64_t y0, int64_t y1, int64_t padded_width) {
  const auto rows = torch::arange(y0, y1, torch::kInt64).clamp_max(image.height - 1);
  const auto cols = torch::arange(0, padded_width, torch::kInt64).clamp_max(image.width - 1);
  return to_unit_range(all_pixels(image).index_select(0, rows).index_select(1, cols));
}

void write_image_rows(const torch::Tensor& pixels, int64_t y0, Image* image) {
  const int64_t n = std::min<int64_t>(pixels.size(1), image->height - y0);
  if (n <= 0) return;
  const auto bytes = pixels.narrow(1, 0, n)
                         .narrow(2, 0, image->width)
                         .add(1.0)
                         .mul(127.5)
                         .round()
                         .clamp(0, 255)
                         .to(torch::kCPU, torch::kUInt8)
                         .permute({1, 2, 0})
                         .contiguous();
  std::memcpy(image->rgb.data() + static_cast<size_t>(y0) * image->width * 3, bytes.data_ptr(),
              static_cast<size_t>(n) * image->width * 3);
}

Image tensor_to_image(const torch::Tensor& pixels, int width, int height) {
  Image image(width, height);
  write_image_rows(pixels.slice(1, 0, height), 0, &image);
  return image;
}

}  // namespace bsq::model

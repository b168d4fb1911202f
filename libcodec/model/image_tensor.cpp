// Pixel <-> tensor conversion: v / 127.5 - 1 in, round((x + 1) * 127.5) clamped out.
#include "model/image_tensor.h"

#include <cstring>

namespace bsq::model {

torch::Tensor image_to_tensor(const Image& image) {
  auto bytes = torch::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, torch::kUInt8);
  return bytes.permute({2, 0, 1}).to(torch::kFloat32).div(127.5).sub(1.0).unsqueeze(0).unsqueeze(0).contiguous();
}

Image tensor_to_image(const torch::Tensor& pixels, int width, int height) {
  const auto bytes = pixels.slice(1, 0, height)
                         .slice(2, 0, width)
                         .add(1.0)
                         .mul(127.5)
                         .round()
                         .clamp(0, 255)
                         .to(torch::kCPU, torch::kUInt8)
                         .permute({1, 2, 0})
                         .contiguous();
  Image image(width, height);
  std::memcpy(image.rgb.data(), bytes.data_ptr(), image.rgb.size());
  return image;
}

}  // namespace bsq::model

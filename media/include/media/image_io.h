// Still-image files in and out of bsq::Image through FFmpeg; the only module that sees libav*.
//
// Usage:
//   bsq::media::ReadInfo info;
//   bsq::StatusOr<bsq::Image> image = bsq::media::read_image("photo.jpg", &info);
//   if (!image.ok()) { std::fprintf(stderr, "%s\n", image.status().message().c_str()); return 1; }
//   ...  // image->width, image->height, image->rgb (RGB8, interleaved)
//   bsq::Status st = bsq::media::write_image(image.value(), "out.png");
//
// Error messages are one line and name the file: "cannot read 'x.txt': not an image FFmpeg can decode".
// The first call lowers FFmpeg's log level to quiet, unless the host already changed it from the default,
// so library users never see libav* log lines on stderr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bsq/image.h"
#include "bsq/limits.h"
#include "bsq/status.h"

namespace bsq::media {

// Bounds on what we accept; larger inputs are refused before any large allocation. The picture
// limits are the codec's (bsq/limits.h).
constexpr int kMaxImageSide = kMaxSide;
constexpr int64_t kMaxImagePixels = static_cast<int64_t>(kMaxPixels);  // 268 Mpixel = 805 MB of RGB8
constexpr size_t kMaxInputBytes = size_t{1} << 30;                     // whole file or stdin is held in memory

// What the source looked like before it became RGB8.
struct ReadInfo {
  int source_bits = 8;     // bits per component in the file (16 for 16-bit PNG, 1 for bilevel)
  bool had_alpha = false;  // some pixel was not fully opaque; alpha was dropped (not composited)
  bool was_gray = false;   // the file stored gray (R = G = B in the result)
  std::string format;      // FFmpeg codec name: "png", "mjpeg", "webp", ...
};

// Decodes the first picture of any image FFmpeg can decode. path "-" reads stdin.
StatusOr<Image> read_image(const std::string& path, ReadInfo* info = nullptr);
StatusOr<Image> read_image_memory(const std::vector<uint8_t>& bytes, ReadInfo* info = nullptr);

// Encodes by extension: .png .ppm .bmp .tif/.tiff .jpg/.jpeg (quality ~95, 4:4:4) .webp (lossless,
// when FFmpeg has libwebp). Writes exactly `path` (no temporary file); path "-" writes PNG to stdout.
// Nothing is created when encoding fails. Unknown extension -> kInvalidArgument.
Status write_image(const Image& image, const std::string& path);

// A whole file (path "-": stdin) in memory, capped at kMaxInputBytes; directories are refused.
// For inputs that are not pictures (streams, token arrays), with the same limits. The message of
// an error says what went wrong, not with which file: the caller names it as it shows it.
StatusOr<std::vector<uint8_t>> read_input_bytes(const std::string& path);

}  // namespace bsq::media

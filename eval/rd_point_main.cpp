// bsq_rd_point: one rate-distortion measurement: a reference image, its decoded version and the
// compressed file in between -> "width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb" on stdout.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "bsq/metrics.h"
#include "media/image_io.h"

int main(int argc, char** argv) {
  CLI::App app{
      "bsq_rd_point: prints width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb of one decoded image\n"
      "(bpp = 8 * bytes / (width * height); RGB PSNR and MS-SSIM from bsq/metrics.h)"};
  std::string reference, decoded, compressed;
  bool header = false;
  app.add_option("REFERENCE", reference, "Original image (any format FFmpeg reads)")->required();
  app.add_option("DECODED", decoded, "The codec's decoded output")->required();
  app.add_option("COMPRESSED", compressed, "The compressed file, whose size is the rate")->required();
  app.add_flag("--header", header, "Print the CSV header line first");
  CLI11_PARSE(app, argc, argv);

  auto ref = bsq::media::read_image(reference);
  auto dec = bsq::media::read_image(decoded);
  for (const auto* im : {&ref, &dec})
    if (!im->ok()) return std::fprintf(stderr, "bsq_rd_point: %s\n", im->status().message().c_str()), 1;
  if (ref->width != dec->width || ref->height != dec->height) {
    std::fprintf(stderr, "bsq_rd_point: '%s' is %dx%d but '%s' is %dx%d\n", decoded.c_str(), dec->width, dec->height,
                 reference.c_str(), ref->width, ref->height);
    return 1;
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(compressed, ec);
  if (ec)
    return std::fprintf(stderr, "bsq_rd_point: cannot stat '%s': %s\n", compressed.c_str(), ec.message().c_str()), 1;
  auto psnr = bsq::psnr(ref.value(), dec.value());
  auto msssim = bsq::ms_ssim(ref.value(), dec.value());
  for (const auto* m : {&psnr, &msssim})
    if (!m->ok()) return std::fprintf(stderr, "bsq_rd_point: %s\n", m->status().message().c_str()), 1;

  const double bpp = 8.0 * static_cast<double>(bytes) / (static_cast<double>(ref->width) * ref->height);
  if (header) fmt::print("width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb\n");
  fmt::print("{},{},{},{:.6f},{:.4f},{:.6f}\n", ref->width, ref->height, bytes, bpp, psnr.value(), msssim.value());
  return 0;
}

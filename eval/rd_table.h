// The per-image measurements of rd.csv, and the per-codec curves averaged from them.
//
// Usage:
//   auto rows = bsq::rd::read_rd_csv("eval/results/dev/rd.csv");   // StatusOr<std::vector<RdRow>>
//   std::vector<bsq::rd::Curve> curves = bsq::rd::average_curves(rows.value());
//   std::string json = bsq::rd::compressai_json(curves[0]);
//
// Averaging follows CompressAI: at each (codec, quality) the curve point is the mean of the
// per-image bpp and the mean of the per-image PSNR / MS-SSIM (not the PSNR of the mean MSE).
#pragma once

#include <string>
#include <vector>

#include "bd_rate.h"
#include "bsq/status.h"

namespace bsq::rd {

// One line of rd.csv: codec,quality,image,width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb (image: a clip's
// name in video_rd.sh's rd.csv).
struct RdRow {
  std::string codec, quality, image;
  int width = 0, height = 0;
  long long bytes = 0;
  double bpp = 0, psnr = 0, ms_ssim = 0;
};

struct CurvePoint {
  std::string quality;  // the codec's setting ("75", or a bsq operating point's name)
  int images = 0;       // how many images the means are over
  double bpp = 0, psnr = 0, ms_ssim = 0;
};

struct Curve {
  std::string codec;
  std::vector<CurvePoint> points;  // ascending bpp
  std::vector<RdPoint> rd() const;
};

// Reads rd.csv; the header names the columns, so their order may change, and other columns may be
// present (video_rd.sh's frames, seconds). "inf" PSNR is accepted; without an ms_ssim_rgb column,
// MS-SSIM is NaN (null in the JSON).
StatusOr<std::vector<RdRow>> read_rd_csv(const std::string& path);
// One curve per codec, in order of first appearance.
std::vector<Curve> average_curves(const std::vector<RdRow>& rows);
// {"name": codec, "results": {"bpp": [...], "psnr-rgb": [...], "ms-ssim-rgb": [...]}, ...};
// non-finite values (lossless PSNR) become null.
std::string compressai_json(const Curve& curve);

}  // namespace bsq::rd

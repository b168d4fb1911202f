// rd.csv parsing and CompressAI-style averaging into one curve per codec.
#include "rd_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace bsq::rd {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

bool to_double(const std::string& s, double* v) {
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);  // also reads "inf" and "nan"
  return !s.empty() && end == s.c_str() + s.size();
}

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace

std::vector<RdPoint> Curve::rd() const {
  std::vector<RdPoint> out;
  for (const CurvePoint& p : points) out.push_back({p.bpp, p.psnr});
  return out;
}

StatusOr<std::vector<RdRow>> read_rd_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kIoError, "cannot open '" + path + "'");
  std::string line;
  if (!std::getline(in, line)) return Status(StatusCode::kInvalidData, "'" + path + "' is empty");
  const std::vector<std::string> header = split(line);
  const char* names[] = {"codec", "quality", "image", "width", "height", "bytes", "bpp", "psnr_rgb", "ms_ssim_rgb"};
  constexpr size_t kNoColumn = static_cast<size_t>(-1);
  std::vector<size_t> col;
  for (const char* name : names) {
    auto it = std::find(header.begin(), header.end(), name);
    // The video evaluation measures no MS-SSIM: a missing ms_ssim_rgb column reads as NaN.
    if (it == header.end() && std::string(name) == "ms_ssim_rgb") {
      col.push_back(kNoColumn);
      continue;
    }
    if (it == header.end()) return Status(StatusCode::kInvalidData, fmt::format("'{}': no column '{}'", path, name));
    col.push_back(static_cast<size_t>(it - header.begin()));
  }
  std::vector<RdRow> rows;
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split(line);
    if (f.size() != header.size())
      return Status(StatusCode::kInvalidData,
                    fmt::format("{}:{}: {} fields, header has {}", path, n, f.size(), header.size()));
    RdRow r{f[col[0]], f[col[1]], f[col[2]]};
    double w, h, bytes;
    r.ms_ssim = std::nan("");
    if (!to_double(f[col[3]], &w) || !to_double(f[col[4]], &h) || !to_double(f[col[5]], &bytes) ||
        !to_double(f[col[6]], &r.bpp) || !to_double(f[col[7]], &r.psnr) ||
        (col[8] != kNoColumn && !to_double(f[col[8]], &r.ms_ssim)))
      return Status(StatusCode::kInvalidData, fmt::format("{}:{}: a numeric field is not a number", path, n));
    r.width = static_cast<int>(w), r.height = static_cast<int>(h), r.bytes = static_cast<long long>(bytes);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<Curve> average_curves(const std::vector<RdRow>& rows) {
  std::vector<Curve> curves;
  std::map<std::pair<std::string, std::string>, CurvePoint> sums;
  for (const RdRow& r : rows) {
    auto c = std::find_if(curves.begin(), curves.end(), [&](const Curve& x) { return x.codec == r.codec; });
    if (c == curves.end()) curves.push_back({r.codec, {}});
    CurvePoint& p = sums[{r.codec, r.quality}];
    p.quality = r.quality;
    p.images += 1, p.bpp += r.bpp, p.psnr += r.psnr, p.ms_ssim += r.ms_ssim;
  }
  for (auto& [key, p] : sums) {
    p.bpp /= p.images, p.psnr /= p.images, p.ms_ssim /= p.images;
    const std::string& codec = key.first;  // C++17 lambdas cannot capture a structured binding (clang refuses)
    std::find_if(curves.begin(), curves.end(), [&](const Curve& x) { return x.codec == codec; })->points.push_back(p);
  }
  for (Curve& c : curves)
    std::sort(c.points.begin(), c.points.end(), [](const CurvePoint& a, const CurvePoint& b) { return a.bpp < b.bpp; });
  return curves;
}

std::string compressai_json(const Curve& curve) {
  std::string quality, bpp, psnr, msssim;
  for (const CurvePoint& p : curve.points) {
    const char* sep = quality.empty() ? "" : ", ";
    quality += fmt::format("{}\"{}\"", sep, p.quality);
    bpp += sep + json_number(p.bpp);
    psnr += sep + json_number(p.psnr);
    msssim += sep + json_number(p.ms_ssim);
  }
  return fmt::format(
      "{{\n  \"name\": \"{}\",\n  \"description\": \"mean of per-image values at each quality setting\",\n"
      "  \"quality\": [{}],\n  \"results\": {{\n    \"bpp\": [{}],\n    \"psnr-rgb\": [{}],\n"
      "    \"ms-ssim-rgb\": [{}]\n  }}\n}}\n",
      curve.codec, quality, bpp, psnr, msssim);
}

}  // namespace bsq::rd

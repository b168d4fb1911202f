// bsq_bdrate: rd.csv -> one CompressAI JSON per codec, the BD-rate table (bdrate.md, bdrate.json)
// and, for the plot, one "bpp psnr ms-ssim" data file per codec.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bd_rate.h"
#include "rd_table.h"

namespace {

using bsq::rd::Curve;

std::string cell(std::optional<double> v, const char* spec) { return v ? fmt::format(fmt::runtime(spec), *v) : "n/a"; }
std::string json(std::optional<double> v) { return v && std::isfinite(*v) ? fmt::format("{:.4f}", *v) : "null"; }

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (out.flush()) return true;
  std::fprintf(stderr, "bsq_bdrate: cannot write '%s'\n", path.c_str());
  return false;
}

const Curve* find(const std::vector<Curve>& curves, const std::string& codec) {
  for (const Curve& c : curves)
    if (c.codec == codec) return &c;
  return nullptr;
}

// One "| test | BD-rate | BD-PSNR | points |" row and the matching JSON member.
void compare(const Curve& anchor, const Curve& test, std::string* md, std::string* js) {
  const auto rate = bsq::rd::bd_rate(anchor.rd(), test.rd());
  const auto psnr = bsq::rd::bd_psnr(anchor.rd(), test.rd());
  *md += fmt::format("| {} | {} | {} | {} | {} |\n", test.codec, anchor.codec, cell(rate, "{:+.1f} %"),
                     cell(psnr, "{:+.2f} dB"), fmt::format("{} / {}", test.points.size(), anchor.points.size()));
  *js += fmt::format("{}    {{\"test\": \"{}\", \"anchor\": \"{}\", \"bd_rate_percent\": {}, \"bd_psnr_db\": {}}}",
                     js->empty() ? "" : ",\n", test.codec, anchor.codec, json(rate), json(psnr));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bsq_bdrate: BD-rate table, CompressAI JSONs and plot data from rd.csv"};
  std::string csv, out_dir, plot_dir, anchor_name = "jpeg", subject_name = "bsq";
  std::string description =
      "Each point: mean of per-image bpp and mean of per-image RGB PSNR over the images, at one quality setting.";
  std::vector<double> at_bpp = {0.25, 0.5, 1.0};
  app.add_option("RD_CSV", csv,
                 "Per-image measurements (codec,quality,image,width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb)")
      ->required();
  app.add_option("OUT_DIR", out_dir, "Where <codec>.json, bdrate.md and bdrate.json go")->required();
  app.add_option("--anchor", anchor_name, "Codec every other codec is compared against")->capture_default_str();
  app.add_option("--subject", subject_name, "Codec compared against every other codec")->capture_default_str();
  app.add_option("--plot-data", plot_dir, "Also write <codec>.dat (bpp psnr ms-ssim, ascending bpp) here");
  app.add_option("--description", description, "The sentence under bdrate.md's title that says what a point is");
  app.add_option("--at-bpp", at_bpp, "The rates of the PSNR-at-bpp table (video_rd.sh: lower ones)")
      ->delimiter(',')
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto rows = bsq::rd::read_rd_csv(csv);
  if (!rows.ok()) return std::fprintf(stderr, "bsq_bdrate: %s\n", rows.status().message().c_str()), 1;
  const std::vector<Curve> curves = bsq::rd::average_curves(rows.value());
  if (curves.empty()) return std::fprintf(stderr, "bsq_bdrate: '%s' has no measurements\n", csv.c_str()), 1;

  const std::string source = std::filesystem::path(csv).filename().string();  // no machine paths in results
  std::string md = fmt::format(
      "# Rate-distortion summary of {}\n\n{}\n\n"
      "| codec | points | images per point | bpp range | PSNR range (dB) |\n|---|---|---|---|---|\n",
      source, description);
  for (const Curve& c : curves) {
    if (!write_file(std::filesystem::path(out_dir) / (c.codec + ".json"), bsq::rd::compressai_json(c))) return 1;
    int min_images = c.points.front().images, max_images = min_images;
    for (const auto& p : c.points)
      min_images = std::min(min_images, p.images), max_images = std::max(max_images, p.images);
    if (min_images != max_images)  // a failed encode would bias that point's mean
      std::fprintf(stderr, "bsq_bdrate: warning: %s has %d to %d images per point\n", c.codec.c_str(), min_images,
                   max_images);
    md += fmt::format(
        "| {} | {} | {} | {:.3f} - {:.3f} | {:.2f} - {:.2f} |\n", c.codec, c.points.size(),
        min_images == max_images ? std::to_string(min_images) : fmt::format("{}-{}", min_images, max_images),
        c.points.front().bpp, c.points.back().bpp, c.points.front().psnr, c.points.back().psnr);
    if (!plot_dir.empty()) {
      std::string dat = "# bpp psnr_rgb ms_ssim_rgb quality\n";
      for (const auto& p : c.points)
        dat += fmt::format("{:.6f} {:.4f} {:.6f} {}\n", p.bpp, p.psnr, p.ms_ssim, p.quality);
      if (!write_file(std::filesystem::path(plot_dir) / (c.codec + ".dat"), dat)) return 1;
    }
  }

  md +=
      "\n## BD-rate (Bjontegaard, log-rate over RGB PSNR; negative: fewer bits for the same PSNR)\n\n"
      "| codec | against | BD-rate | BD-PSNR | points (codec / anchor) |\n|---|---|---|---|---|\n";
  std::string js_pairs;
  const Curve* anchor = find(curves, anchor_name);
  const Curve* subject = find(curves, subject_name);
  for (const Curve& c : curves)
    if (anchor && &c != anchor && &c != subject) compare(*anchor, c, &md, &js_pairs);
  for (const Curve& c : curves)
    if (subject && &c != subject) compare(c, *subject, &md, &js_pairs);
  md += "\nn/a: a curve has a single point (no fit) or the PSNR ranges do not overlap.\n";

  // PSNR at fixed rates, and every codec at the rate of each point of the subject (one point today).
  std::vector<std::pair<std::string, double>> rates;
  for (double r : at_bpp) rates.push_back({fmt::format(r == std::floor(r) ? "{:.1f}" : "{}", r), r});  // "1.0"
  if (subject)
    for (const auto& p : subject->points)
      rates.push_back({fmt::format("{:.4f} ({} {})", p.bpp, subject->codec, p.quality), p.bpp});
  md += "\n## RGB PSNR (dB) at a given bpp (linear in log-bpp between measured points; n/a outside them)\n\n| bpp |";
  for (const Curve& c : curves) md += " " + c.codec + " |";
  md += "\n|---|";
  for (size_t i = 0; i < curves.size(); ++i) md += "---|";
  md += "\n";
  std::string js_at;
  for (const auto& [label, rate] : rates) {
    md += "| " + label + " |";
    js_at += fmt::format("{}    {{\"bpp\": {:.6f}, \"label\": \"{}\"", js_at.empty() ? "" : ",\n", rate, label);
    for (const Curve& c : curves) {
      const auto v = bsq::rd::psnr_at_rate(c.rd(), rate);
      md += " " + cell(v, "{:.2f}") + " |";
      js_at += fmt::format(", \"{}\": {}", c.codec, json(v));
    }
    md += "\n";
    js_at += "}";
  }
  const std::string js =
      fmt::format("{{\n  \"source\": \"{}\",\n  \"comparisons\": [\n{}\n  ],\n  \"psnr_at_bpp\": [\n{}\n  ]\n}}\n",
                  source, js_pairs, js_at);
  if (!write_file(std::filesystem::path(out_dir) / "bdrate.md", md) ||
      !write_file(std::filesystem::path(out_dir) / "bdrate.json", js))
    return 1;
  std::fputs(md.c_str(), stdout);
  return 0;
}

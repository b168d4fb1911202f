// bsq_video_psnr: RGB PSNR of a decoded clip against its reference, read frame by frame (two
// frames in memory whatever the length). Headline: the mean over frames of the per-frame PSNR, as
// video coding papers report it; the PSNR of the mean MSE over all frames is printed beside it.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "bsq/metrics.h"
#include "media/video_io.h"

namespace {

struct Clip {
  std::string path;
  bsq::media::VideoReader reader;
  bsq::Image frame;
};

// Reads the next frame of `clip`; false at its end. Errors are printed, and end the program.
bool next(Clip& clip, bool* failed) {
  bsq::StatusOr<bool> more = clip.reader.next(&clip.frame);
  if (more.ok()) return more.value();
  std::fprintf(stderr, "bsq_video_psnr: %s\n", more.status().message().c_str());
  *failed = true;
  return false;
}

// How many frames `clip` has in all, `read` of them already read, counting at most up to `limit`.
int64_t count_rest(Clip& clip, int64_t read, int64_t limit, bool* failed) {
  while (read < limit && next(clip, failed)) ++read;
  return read;
}

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : "inf"; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bsq_video_psnr: RGB PSNR of a decoded clip against its reference, frame by frame.\n"
      "Headline psnr_rgb: mean over frames of the per-frame RGB PSNR (what video papers report);\n"
      "psnr_rgb_total_mse: the PSNR of the MSE over all frames. A lossless frame has infinite PSNR,\n"
      "and so then has the mean."};
  std::string reference, decoded;
  int64_t max_frames = std::numeric_limits<int64_t>::max();
  bool json = false, csv = false, header = false;
  app.add_option("REFERENCE", reference, "Original clip (any clip FFmpeg reads)")->required();
  app.add_option("DECODED", decoded, "The codec's decoded clip, or its compressed stream where FFmpeg decodes it")
      ->required();
  app.add_option("--frames", max_frames, "Compare at most the first N frames of each clip")->check(CLI::PositiveNumber);
  auto* json_flag = app.add_flag("--json", json, "One JSON object on stdout");
  app.add_flag("--csv", csv, "One CSV line: width,height,frames,psnr_rgb,psnr_rgb_total_mse")->excludes(json_flag);
  app.add_flag("--header", header, "With --csv, print the header line first");
  CLI11_PARSE(app, argc, argv);

  auto ref_reader = bsq::media::VideoReader::open(reference);
  if (!ref_reader.ok()) return std::fprintf(stderr, "bsq_video_psnr: %s\n", ref_reader.status().message().c_str()), 1;
  auto dec_reader = bsq::media::VideoReader::open(decoded);
  if (!dec_reader.ok()) return std::fprintf(stderr, "bsq_video_psnr: %s\n", dec_reader.status().message().c_str()), 1;
  Clip ref{reference, std::move(ref_reader).value(), {}};
  Clip dec{decoded, std::move(dec_reader).value(), {}};
  const auto& rf = ref.reader.format();
  const auto& df = dec.reader.format();
  if (rf.width != df.width || rf.height != df.height)
    return std::fprintf(stderr, "bsq_video_psnr: '%s' is %dx%d but '%s' is %dx%d\n", decoded.c_str(), df.width,
                        df.height, reference.c_str(), rf.width, rf.height),
           1;

  // Lock-step: one frame of each at a time. Sums in double: 1e6 frames of MSE <= 65025 stay exact enough.
  int64_t frames = 0;
  double psnr_sum = 0, mse_sum = 0;
  bool failed = false;
  while (frames < max_frames) {
    const bool has_ref = next(ref, &failed);
    const bool has_dec = !failed && next(dec, &failed);
    if (failed) return 1;
    if (!has_ref && !has_dec) break;
    if (has_ref != has_dec) {
      Clip& longer = has_ref ? ref : dec;
      Clip& shorter = has_ref ? dec : ref;
      const int64_t longer_frames = count_rest(longer, frames + 1, max_frames, &failed);
      if (failed) return 1;
      std::fprintf(stderr, "bsq_video_psnr: '%s' has %lld frames but '%s' has %s%lld\n", shorter.path.c_str(),
                   static_cast<long long>(frames), longer.path.c_str(), longer_frames == max_frames ? "at least " : "",
                   static_cast<long long>(longer_frames));
      return 1;
    }
    auto mse = bsq::mse(ref.frame, dec.frame);
    auto psnr = bsq::psnr(ref.frame, dec.frame);
    for (const auto* m : {&mse, &psnr})
      if (!m->ok())
        return std::fprintf(stderr, "bsq_video_psnr: frame %lld: %s\n", static_cast<long long>(frames),
                            m->status().message().c_str()),
               1;
    mse_sum += mse.value();
    psnr_sum += psnr.value();
    ++frames;
  }
  if (frames == 0) return std::fprintf(stderr, "bsq_video_psnr: '%s' has no frames\n", reference.c_str()), 1;

  const double psnr_mean = psnr_sum / static_cast<double>(frames);
  const double mse_mean = mse_sum / static_cast<double>(frames);
  const double psnr_total =
      mse_mean > 0 ? 10.0 * std::log10(255.0 * 255.0 / mse_mean) : std::numeric_limits<double>::infinity();
  if (json) {
    // JSON has no infinity: a lossless clip's PSNR is null.
    auto js = [](double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : std::string("null"); };
    fmt::print(
        "{{\"width\": {}, \"height\": {}, \"frames\": {}, \"psnr_rgb\": {}, \"psnr_rgb_total_mse\": {}, "
        "\"mse_rgb\": {:.6f}}}\n",
        rf.width, rf.height, frames, js(psnr_mean), js(psnr_total), mse_mean);
  } else if (csv) {
    if (header) fmt::print("width,height,frames,psnr_rgb,psnr_rgb_total_mse\n");
    fmt::print("{},{},{},{},{}\n", rf.width, rf.height, frames, number(psnr_mean), number(psnr_total));
  } else {
    fmt::print("{} frames of {}x{}\n", frames, rf.width, rf.height);
    fmt::print("RGB PSNR, mean of per-frame PSNR (headline): {} dB\n", number(psnr_mean));
    fmt::print("RGB PSNR of the total MSE:                   {} dB\n", number(psnr_total));
  }
  return 0;
}

// Bits per token of the dev images' real tokens: raw packing, zlib, the prior + range coder, and
// the ideal code length under the prior; plus entropy-coding speed on one thread.
// Usage: bsq_token_bits MODEL MANIFEST CORPUS_DIR; prints a Markdown table.
#include <fmt/format.h>
#include <zlib.h>

#include <chrono>
#include <string>
#include <vector>

#include "bsq/tokenizer.h"
#include "manifest.h"
#include "media/image_io.h"
#include "token_coder.h"

namespace {

struct Row {
  std::string name;
  double tokens = 0, raw = 0, zlib = 0, coded = 0, ideal = 0;  // bits
  double encode_s = 0, decode_s = 0;
};

double zlib_bits(const bsq::entropy::TokenPlane& plane) {
  const int bytes_per_token = (plane.bits + 7) / 8;
  std::vector<uint8_t> packed;
  packed.reserve(plane.codes.size() * bytes_per_token);
  for (uint64_t code : plane.codes)
    for (int b = 0; b < bytes_per_token; ++b) packed.push_back(static_cast<uint8_t>(code >> (8 * b)));
  uLongf size = compressBound(packed.size());
  std::vector<uint8_t> out(size);
  compress2(out.data(), &size, packed.data(), packed.size(), 9);
  return 8.0 * size;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fmt::print(stderr, "usage: {} MODEL MANIFEST CORPUS_DIR\n", argv[0]), 2;
  auto tokenizer = bsq::Tokenizer::open(argv[1]);
  if (!tokenizer.ok()) return fmt::print(stderr, "{}\n", tokenizer.status().message()), 1;
  auto manifest = bsq::train::read_manifest(argv[2]);
  if (!manifest.ok()) return fmt::print(stderr, "{}\n", manifest.status().message()), 1;
  std::vector<Row> rows;
  for (const auto& [split, package, path] : manifest.value()) {
    if (split != "dev" || bsq::train::is_video_path(path)) continue;
    auto image = bsq::media::read_image(std::string(argv[3]) + "/" + package + "/" + path);
    if (!image.ok()) return fmt::print(stderr, "{}\n", image.status().message()), 1;
    auto grid = tokenizer->encode(image.value());
    if (!grid.ok()) return fmt::print(stderr, "{}\n", grid.status().message()), 1;
    const bsq::entropy::TokenPlane plane{grid->frames, grid->rows, grid->cols, grid->bits, grid->codes};
    Row r;
    r.name = path.substr(path.rfind('/') + 1);
    r.tokens = static_cast<double>(plane.codes.size());
    r.raw = r.tokens * plane.bits;
    r.zlib = zlib_bits(plane);
    auto t = std::chrono::steady_clock::now();
    const auto coded = bsq::entropy::encode_tokens(plane);
    r.encode_s = seconds_since(t);
    r.coded = 8.0 * coded.size();
    r.ideal = bsq::entropy::ideal_code_length_bits(plane);
    bsq::entropy::TokenPlane back;
    std::string error;
    t = std::chrono::steady_clock::now();
    if (!bsq::entropy::decode_tokens(coded.data(), coded.size(), plane.frames, plane.rows, plane.cols, plane.bits,
                                     &back, &error) ||
        back.codes != plane.codes)
      return fmt::print(stderr, "{}: round trip failed {}\n", r.name, error), 1;
    r.decode_s = seconds_since(t);
    rows.push_back(r);
  }
  if (rows.empty()) return fmt::print(stderr, "no dev images found\n"), 1;
  const int bits = tokenizer->config().bits;
  fmt::print("| image | tokens | raw bits/token | zlib | prior + coder | ideal under prior | saving vs raw |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  Row total;
  total.name = "**all dev images**";
  for (const auto& r : rows) {
    fmt::print("| {} | {:.0f} | {} | {:.3f} | {:.3f} | {:.3f} | {:.1f}% |\n", r.name, r.tokens, bits, r.zlib / r.tokens,
               r.coded / r.tokens, r.ideal / r.tokens, 100.0 * (1 - r.coded / r.raw));
    total.tokens += r.tokens, total.raw += r.raw, total.zlib += r.zlib, total.coded += r.coded, total.ideal += r.ideal;
    total.encode_s += r.encode_s, total.decode_s += r.decode_s;
  }
  fmt::print("| {} | {:.0f} | {} | {:.3f} | {:.3f} | {:.3f} | {:.1f}% |\n\n", total.name, total.tokens, bits,
             total.zlib / total.tokens, total.coded / total.tokens, total.ideal / total.tokens,
             100.0 * (1 - total.coded / total.raw));
  fmt::print(
      "Entropy coding speed, one thread, over all dev tokens ({:.0f} binary decisions): encode {:.1f} M/s, "
      "decode {:.1f} M/s.\n",
      total.raw, total.raw / total.encode_s / 1e6, total.raw / total.decode_s / 1e6);
  return 0;
}

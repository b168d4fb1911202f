// What the prior gains from earlier frames, on a clip's real tokens: each frame coded as a still
// (what --keyint 1 pays), the frames coded in one sequence whose prior keeps learning and sees the
// previous frame's co-located token, and that sequence with lossless repeat flags (a token equal
// to the previous frame's is flagged instead of coded). Ideal code lengths under the integer prior.
// Usage: bsq_video_prior MODEL BITS CLIP [MAX_FRAMES]; prints one Markdown table row.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "bsq/tokenizer.h"
#include "gop_coder.h"
#include "media/video_io.h"
#include "token_coder.h"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) return fmt::print(stderr, "usage: {} MODEL BITS CLIP [MAX_FRAMES]\n", argv[0]), 2;
  auto tokenizer = bsq::Tokenizer::open(argv[1]);
  if (!tokenizer.ok()) return fmt::print(stderr, "{}\n", tokenizer.status().message()), 1;
  const int bits = std::stoi(argv[2]);
  const long max_frames = argc == 5 ? std::stol(argv[4]) : 1L << 30;
  auto reader = bsq::media::VideoReader::open(argv[3]);
  if (!reader.ok()) return fmt::print(stderr, "{}\n", reader.status().message()), 1;

  std::vector<uint64_t> all;  // every frame's tokens, for the one-sequence coding
  double still_bits = 0, identical = 0;
  int rows = 0, cols = 0;
  long frames = 0;
  std::vector<uint64_t> previous;
  std::vector<double> repeat_bits;
  bsq::Image frame;
  std::optional<bsq::entropy::GopEncoder> gop;
  double gop_bits = 0;
  while (frames < max_frames) {
    auto more = reader->next(&frame);
    if (!more.ok()) return fmt::print(stderr, "{}\n", more.status().message()), 1;
    if (!more.value()) break;
    auto grid = tokenizer->encode(frame, bits);
    if (!grid.ok()) return fmt::print(stderr, "{}\n", grid.status().message()), 1;
    rows = grid->rows, cols = grid->cols;
    still_bits += bsq::entropy::ideal_code_length_bits({1, rows, cols, bits, grid->codes});
    all.insert(all.end(), grid->codes.begin(), grid->codes.end());
    if (!gop) gop.emplace(rows, cols, bits);
    std::vector<uint8_t> repeat(grid->codes.size(), 0);
    for (size_t i = 0; i < repeat.size() && !previous.empty(); ++i) {
      repeat[i] = grid->codes[i] == previous[i];
      identical += repeat[i];
    }
    gop->add_frame(grid->codes.data(), repeat.data());
    gop_bits += gop->last_frame_bits();
    previous = grid->codes;
    ++frames;
  }
  if (frames == 0) return fmt::print(stderr, "no frames\n"), 1;
  const double sequence_bits = bsq::entropy::ideal_code_length_bits({static_cast<int>(frames), rows, cols, bits, all});
  const double tokens = static_cast<double>(frames) * rows * cols;
  const std::string name = std::string(argv[3]).substr(std::string(argv[3]).rfind('/') + 1);
  fmt::print("| {} | {} | {}x{} | {} | {:.2f} | {:.2f} ({:+.1f} %) | {:.2f} ({:+.1f} %) | {:.1f} % |\n", name, frames,
             frame.width, frame.height, bits, still_bits / tokens, sequence_bits / tokens,
             100 * (sequence_bits / still_bits - 1), gop_bits / tokens, 100 * (gop_bits / still_bits - 1),
             100 * identical / std::max(1.0, tokens - static_cast<double>(rows) * cols));
  return 0;
}

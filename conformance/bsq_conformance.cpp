// bsq_conformance: decodes one .bsq stream and prints what a conforming decoder must reproduce.
//
//   ok WIDTHxHEIGHT frames=N bits=K tokens=HASH [window=W] [psnr=P]
//   error CLASS message
//
// HASH is the FNV-1a 64 of the decoded token grid (see conformance/README.md): the entropy decoder
// and the container are integer-only, so it is the same on every machine and thread count. For a
// video stream it covers every frame's grid in order. The pixels come from floating-point network
// arithmetic; with --reference they are compared with a reference decode (RGB PSNR, "inf" when
// identical; of a video, its last frame, which depends on every token of its GOP). Exit status: 0
// decoded, 1 refused, 2 usage or I/O trouble with the model or the reference.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "bsq/metrics.h"
#include "bsq/model_set.h"
#include "bsq/stream_info.h"
#include "bsq/video.h"
#include "media/image_io.h"

namespace {

// FNV-1a 64 over the dimensions (u32 little-endian: frames, rows, cols, bits) and then every code
// (u64 little-endian, bits above K cleared), frame by frame, row by row; for a grid with counts
// per window (a 1.2 stream's WBIT), then the window side (u32) and every count (u8), in order.
struct TokenHash {
  uint64_t h = 0xcbf29ce484222325ull;
  void eat(uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      h ^= (value >> (8 * i)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
  void dims(int frames, const bsq::TokenGrid& grid) {
    for (int dim : {frames, grid.rows, grid.cols, grid.bits}) eat(static_cast<uint32_t>(dim), 4);
  }
  void codes(const bsq::TokenGrid& grid) {
    const uint64_t mask = grid.bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << grid.bits) - 1;
    for (uint64_t code : grid.codes) eat(code & mask, 8);
  }
};

uint64_t token_hash(const bsq::TokenGrid& grid) {
  TokenHash t;
  t.dims(grid.frames, grid);
  t.codes(grid);
  if (!grid.window_bits.empty()) {
    t.eat(static_cast<uint32_t>(grid.window), 4);
    for (uint8_t count : grid.window_bits) t.eat(count, 1);
  }
  return t.h;
}

const char* class_name(bsq::StatusCode code) {
  switch (code) {
    case bsq::StatusCode::kInvalidData:
      return "invalid-data";
    case bsq::StatusCode::kModelMismatch:
      return "model-mismatch";
    case bsq::StatusCode::kUnsupported:
      return "unsupported";
    case bsq::StatusCode::kInvalidArgument:
      return "invalid-argument";
    case bsq::StatusCode::kIoError:
      return "io-error";
    default:
      return "internal";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bsq_conformance: decodes a .bsq stream; prints its size, token hash and, against a\n"
      "reference decode, its PSNR (see conformance/README.md)"};
  std::string model, stream, reference, write_reference;
  int threads = 1;
  app.add_option("MODEL", model, "The model the stream was made with")->required();
  app.add_option("STREAM", stream, "The .bsq stream")->required();
  app.add_option("--reference", reference, "Reference decode (PNG) to compare the pixels with");
  app.add_option("--write-reference", write_reference, "Write this decoder's pixels as a PNG reference");
  app.add_option("--threads", threads, "Compute threads of the network (0: all)")->check(CLI::Range(0, 1024));
  CLI11_PARSE(app, argc, argv);

  bsq::RuntimeOptions runtime;
  runtime.threads = threads;
  runtime.use_gpu = false;
  auto models = bsq::ModelSet::open({model}, runtime);
  if (!models.ok()) return fmt::print(stderr, "bsq_conformance: {}\n", models.status().message()), 2;
  std::ifstream in(stream, std::ios::binary);
  if (!in) return fmt::print(stderr, "bsq_conformance: cannot open '{}'\n", stream), 2;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const auto fail = [](const bsq::Status& status) {
    return fmt::print("error {} {}\n", class_name(status.code()), status.message()), 1;
  };
  // A video (several frames, or a rate): frame by frame through the video decoder, the hash over
  // all frames' grids (the frame count, known only at the end, goes last), the last frame's pixels.
  std::string line;
  bsq::Image image;
  auto info = bsq::inspect_stream(bytes.data(), bytes.size());
  if (info.ok() && (info->frames != 1 || info->fps_num != 0)) {
    auto video = bsq::VideoDecoder::open(models.value(), bytes.data(), bytes.size());
    if (!video.ok()) return fail(video.status());
    TokenHash hash;
    int frames = 0;
    while (true) {
      auto more = video->next(&image);
      if (!more.ok()) return fail(more.status());
      if (!more.value()) break;
      hash.codes(video->tokens());
      ++frames;
    }
    hash.dims(frames, video->tokens());
    line = fmt::format("ok {}x{} frames={} bits={} tokens={:016x}", image.width, image.height, frames,
                       video->tokens().bits, hash.h);
  } else {
    // The set picks the model the stream names, as bsqdec does; the token grid is taken alone, to
    // check it, and the pixels are the whole decoder's (the residual layer and the restoration
    // filter included).
    auto chosen = models->model_for_stream(bytes.data(), bytes.size());
    if (!chosen.ok()) return fail(chosen.status());
    const bsq::Tokenizer& tokenizer = *models->model(chosen.value()).value();
    auto grid = bsq::decode_tokens(tokenizer, bytes.data(), bytes.size());
    if (!grid.ok()) return fail(grid.status());
    auto decoded = bsq::decode_image(tokenizer, bytes.data(), bytes.size());
    if (!decoded.ok()) return fail(decoded.status());
    image = std::move(decoded.value());
    line = fmt::format("ok {}x{} frames={} bits={} tokens={:016x}", grid->width, grid->height, grid->frames, grid->bits,
                       token_hash(grid.value()));
    if (!grid->window_bits.empty()) line += fmt::format(" window={}", grid->window);
  }
  if (!write_reference.empty()) {
    if (auto st = bsq::media::write_image(image, write_reference); !st.ok())
      return fmt::print(stderr, "bsq_conformance: {}\n", st.message()), 2;
  }
  if (!reference.empty()) {
    auto ref = bsq::media::read_image(reference);
    if (!ref.ok()) return fmt::print(stderr, "bsq_conformance: {}\n", ref.status().message()), 2;
    auto psnr = bsq::psnr(ref.value(), image);
    if (!psnr.ok()) return fmt::print(stderr, "bsq_conformance: {}\n", psnr.status().message()), 2;
    line += std::isinf(psnr.value()) ? " psnr=inf" : fmt::format(" psnr={:.2f}", psnr.value());
  }
  fmt::print("{}\n", line);
  return 0;
}

// bsq tokenizer: turns images into grids of binary tokens and back, with a trained model.
//
// Usage:
//   bsq::RuntimeOptions runtime;                      // threads = hardware concurrency
//   auto tok = bsq::Tokenizer::open("models/default.bsqm", runtime);
//   if (!tok.ok()) { fputs(tok.status().message().c_str(), stderr); return 1; }
//   auto grid = tok->encode(image);                   // bsq::Image, any size >= 1x1
//   auto back = tok->decode(grid.value());            // same width and height as image
//
// No LibTorch type appears here; the network runs behind a pimpl.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bsq/export.h"
#include "bsq/image.h"
#include "bsq/limits.h"
#include "bsq/model_config.h"
#include "bsq/quality.h"
#include "bsq/status.h"

namespace bsq {

// Arithmetic of the network. Decoded tokens never depend on it (they come from integer code);
// pixels and the encoder's choice of tokens do, slightly: bfloat16 costs at most a few hundredths
// of a dB on the dev images (models/README.md) and runs 2 to 4x faster where the CPU has native
// bfloat16 products (AVX512_BF16, AMX).
enum class Precision {
  kAuto,  // bfloat16 on a CPU with native bfloat16 products, float32 elsewhere
  kFloat32,
  kBFloat16,  // also where it is emulated (slow; for comparisons)
};

// The names the tools give the precisions (--precision).
inline constexpr std::pair<const char*, Precision> kPrecisionNames[] = {
    {"auto", Precision::kAuto}, {"float32", Precision::kFloat32}, {"bfloat16", Precision::kBFloat16}};

struct RuntimeOptions {
  // LibTorch's thread count is process-wide: 0 sets it to one per hardware thread (LibTorch would
  // otherwise use one), N > 0 to N; a negative value leaves it alone, for a plug-in (frei0r) whose
  // host owns the process and its threads.
  int threads = 0;
  bool use_gpu = true;  // run on CUDA when this build and the machine have it
  Precision precision = Precision::kAuto;
  // Pictures of more pixels are refused before anything is allocated for them, streams as soon
  // as their header is read; 0 or above kMaxPixels: kMaxPixels. Memory grows with the width, not
  // the area (the network runs in stripes), so the default suits any machine that holds the
  // picture itself; a service decoding untrusted streams may want less.
  uint64_t max_pixels = kMaxPixels;
};

// The tokens of an image: frames x rows x cols codes of `bits` bits each.
struct TokenGrid {
  int frames = 0, rows = 0, cols = 0, bits = 0;
  int width = 0, height = 0;    // size of the image the grid was made from
  int patch = 0;                // pixels per token side; 0: not stated (fits() then infers it)
  std::vector<uint64_t> codes;  // frame-major, then row-major; bit i of a code is channel i's sign
  // Kept bits per window (one frame, nested-bit models; Tokenizer::encode's per_window_bits):
  // windows of window x window tokens in raster order, the last row and column of them possibly
  // cut short, one count each in lowest_bits()..bits; a token's bits past its window's count are
  // 0. Empty: every token has `bits`.
  int window = 0;
  std::vector<uint8_t> window_bits = {};
};

// What a model file says about itself, read from its first and last bytes without loading the
// weights, so a program holding a set of models opens only the one it needs. Tokenizer::open
// checks the whole content against this fingerprint.
struct ModelFileInfo {
  ModelConfig config;
  uint64_t fingerprint = 0;
};
BSQ_API StatusOr<ModelFileInfo> read_model_info(const std::string& model_path);

class BSQ_API Tokenizer {
 public:
  static StatusOr<Tokenizer> open(const std::string& model_path, const RuntimeOptions& runtime = {});
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  const ModelConfig& config() const;
  uint64_t fingerprint() const;                           // identifies the model file's content
  std::string device() const;                             // "cpu" or "cuda"
  std::string precision() const;                          // "float32" or "bfloat16": what kAuto resolved to
  uint64_t max_pixels() const;                            // the pixel limit in force
  Status pixel_limit_error(int width, int height) const;  // kUnsupported, naming the limit

  // bits: how many leading bits of each token to keep, config().lowest_bits()..config().bits;
  // 0 keeps all of them. Fewer bits give a lower rate (nested-bit models only). effort:
  // kMinEffort..kMaxEffort (bsq/quality.h); above kMinEffort the encoder searches for tokens the
  // decoder turns into a closer picture, at a cost in time that grows with it; kMinEffort gives
  // the encoder network's own tokens. per_window_bits: with a nested-bit model and an effort
  // above kMinEffort, each attention window keeps its own count of bits around `bits`, chosen for
  // the least squared error at about the rate of `bits` everywhere (libcodec/window_bits.h); the
  // grid's bits is then the largest count, and window_bits holds them (empty where every window
  // chose the same).
  StatusOr<TokenGrid> encode(const Image& image, int bits = 0, int effort = kDefaultEffort,
                             bool per_window_bits = false) const;
  // Accepts grids of lowest_bits()..bits bits per token, shaped as encode() shapes them.
  StatusOr<Image> decode(const TokenGrid& grid) const;
  // Whether decode() takes the grid (one made elsewhere, by a generative model say): OK, or
  // kInvalidArgument saying what does not fit: its bits per token, its shape for its image size
  // (the rows and columns encode() gives), its frame count, a code with bits set above `bits` (or
  // above its window's count), or counts per window that do not fit the grid or the model.
  Status fits(const TokenGrid& grid) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sets the number of threads LibTorch uses in this process (0: hardware concurrency).
BSQ_API void set_compute_threads(int threads);

}  // namespace bsq

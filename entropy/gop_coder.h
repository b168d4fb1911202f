// Lossless coding of one group of pictures (GOP): its frames' tokens in one range-coded stream.
//
// Usage:
//   bsq::entropy::GopEncoder enc(rows, cols, bits);
//   enc.add_frame(key_codes, nullptr);                  // the key frame: coded as a still image
//   enc.add_frame(codes, repeat);                       // later frames: repeat[i] = 1 where token i
//                                                       // is the previous frame's (codes[i] equal too)
//   std::vector<uint8_t> bytes = enc.finish();
//
//   bsq::entropy::GopDecoder dec(bytes.data(), bytes.size(), rows, cols, bits);
//   std::string error;
//   while (more) if (!dec.next_frame(codes, repeat, &error)) ...;   // frame by frame
//   if (!dec.finish(&error)) ...;                       // every byte used, nothing left over
//
// The key frame's bytes are those encode_tokens() gives a one-frame plane, so a GOP of one frame
// is a still image's stream. Each later frame codes, token by token in raster order, a repeat flag
// and, unless it is set, the token's bits under the prior, which keeps learning through the GOP
// and sees the previous frame's co-located token. A GOP starts the prior afresh: it decodes alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "prior_revision.h"

namespace bsq::entropy {

class GopEncoder {
 public:
  // Dimensions as check_token_dims() accepts them for one frame; `prior` one is_prior_revision()
  // accepts, the revision every GOP is coded with.
  GopEncoder(int rows, int cols, int bits, int prior = kLatestPriorRevision);
  GopEncoder(GopEncoder&&) noexcept;
  GopEncoder& operator=(GopEncoder&&) noexcept;
  ~GopEncoder();

  // Codes the next frame: rows * cols tokens (bits above `bits` ignored). repeat is ignored for the
  // first frame (may be null), required for the others.
  void add_frame(const uint64_t* codes, const uint8_t* repeat);

  // What each token of `codes` would cost, in bits, coded afresh as the next frame, from the prior
  // as it stands (nothing is coded). For the encoder's repeat-or-send decisions.
  std::vector<double> fresh_token_bits(const uint64_t* codes) const;
  // What a repeat flag of value `repeat` costs on average so far in this GOP (1 bit before any).
  double repeat_flag_bits(bool repeat) const;

  int frames() const;
  double last_frame_bits() const;  // ideal code length of the last frame added

  // The GOP's bytes; the encoder then starts a new GOP.
  std::vector<uint8_t> finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

class GopDecoder {
 public:
  // Does not copy: data must outlive the decoder. `prior`: the revision the GOP was coded with,
  // one is_prior_revision() accepts.
  GopDecoder(const uint8_t* data, size_t size, int rows, int cols, int bits, int prior = kLatestPriorRevision);
  GopDecoder(GopDecoder&&) noexcept;
  GopDecoder& operator=(GopDecoder&&) noexcept;
  ~GopDecoder();

  // The next frame's tokens into codes[rows * cols], and its repeat flags into repeat (if not
  // null; all 0 for the key frame). False with a message when the stream ends too soon.
  bool next_frame(uint64_t* codes, uint8_t* repeat, std::string* error);
  // After the last frame: false with a message when bytes are left over or the stream is corrupt.
  bool finish(std::string* error);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace bsq::entropy

// GOP coding: key frame as a still, repeat flags and fresh tokens, bounded and damaged streams.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "gop_coder.h"
#include "token_coder.h"

namespace {

using bsq::entropy::GopDecoder;
using bsq::entropy::GopEncoder;

uint64_t next_random(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A clip of `frames` token frames: a random first frame; later frames repeat each token with
// probability 7/8, otherwise flip a few of its bits. repeat[f] marks the repeats.
struct Clip {
  int frames, rows, cols, bits;
  std::vector<std::vector<uint64_t>> codes;
  std::vector<std::vector<uint8_t>> repeat;
};

Clip make_clip(int frames, int rows, int cols, int bits, uint64_t seed) {
  Clip c{frames, rows, cols, bits, {}, {}};
  const size_t n = static_cast<size_t>(rows) * cols;
  const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  for (int f = 0; f < frames; ++f) {
    std::vector<uint64_t> frame(n);
    std::vector<uint8_t> rep(n, 0);
    for (size_t i = 0; i < n; ++i) {
      if (f == 0) {
        frame[i] = next_random(seed) & mask;
      } else if (next_random(seed) % 8 != 0) {
        frame[i] = c.codes.back()[i];
        rep[i] = 1;
      } else {
        frame[i] = (c.codes.back()[i] ^ (next_random(seed) & next_random(seed))) & mask;
      }
    }
    c.codes.push_back(frame);
    c.repeat.push_back(rep);
  }
  return c;
}

std::vector<uint8_t> encode_clip(const Clip& c, int prior = bsq::entropy::kLatestPriorRevision) {
  GopEncoder enc(c.rows, c.cols, c.bits, prior);
  for (int f = 0; f < c.frames; ++f) enc.add_frame(c.codes[f].data(), f > 0 ? c.repeat[f].data() : nullptr);
  return enc.finish();
}

}  // namespace

TEST_CASE("GOP coder: frames and repeat flags round trip, at several shapes, under each prior revision") {
  for (const auto& shape : {std::array<int, 5>{1, 1, 1, 1, 2},
                            {5, 3, 7, 32, 2},
                            {12, 16, 20, 18, 2},
                            {3, 2, 2, 64, 2},
                            {5, 3, 7, 32, 1},
                            {12, 16, 20, 18, 1}}) {
    const int frames = shape[0], rows = shape[1], cols = shape[2], bits = shape[3], prior = shape[4];
    CAPTURE(frames);
    CAPTURE(bits);
    CAPTURE(prior);
    const Clip c = make_clip(frames, rows, cols, bits, 7);
    const std::vector<uint8_t> bytes = encode_clip(c, prior);
    GopDecoder dec(bytes.data(), bytes.size(), rows, cols, bits, prior);
    std::vector<uint64_t> codes(static_cast<size_t>(rows) * cols);
    std::vector<uint8_t> repeat(codes.size());
    std::string error;
    for (int f = 0; f < frames; ++f) {
      REQUIRE(dec.next_frame(codes.data(), repeat.data(), &error));
      CHECK(codes == c.codes[f]);
      if (f > 0) CHECK(repeat == c.repeat[f]);
    }
    CHECK(dec.finish(&error));
  }
}

TEST_CASE("GOP coder: the key frame is coded as a still image") {
  const Clip c = make_clip(1, 9, 11, 24, 3);
  for (const int prior : {1, 2}) {
    bsq::entropy::TokenPlane still{1, 9, 11, 24, c.codes[0]};
    still.prior = prior;
    CHECK(encode_clip(c, prior) == bsq::entropy::encode_tokens(still));
  }
}

TEST_CASE("GOP coder: repeated tokens cost almost nothing, and the estimates agree with the coder") {
  Clip c = make_clip(2, 16, 16, 32, 11);
  std::fill(c.repeat[1].begin(), c.repeat[1].end(), uint8_t{1});
  c.codes[1] = c.codes[0];
  GopEncoder enc(16, 16, 32);
  enc.add_frame(c.codes[0].data(), nullptr);
  const double key_bits = enc.last_frame_bits();
  CHECK(key_bits > 256 * 30);  // random tokens: near their raw 32 bits
  // Sent afresh, the same tokens cost about as much, though the previous frame predicts them.
  const std::vector<double> fresh = enc.fresh_token_bits(c.codes[1].data());
  REQUIRE(fresh.size() == 256);
  const double fresh_total = std::accumulate(fresh.begin(), fresh.end(), 0.0);
  CHECK(fresh_total > 0);
  CHECK(fresh_total < key_bits);
  enc.add_frame(c.codes[1].data(), c.repeat[1].data());
  CHECK(enc.last_frame_bits() < 256 * 0.5);  // all repeated: well under half a bit a token
  CHECK(enc.repeat_flag_bits(true) < enc.repeat_flag_bits(false));
}

TEST_CASE("GOP coder: truncated and extended streams fail with a message") {
  const Clip c = make_clip(4, 8, 8, 16, 5);
  const std::vector<uint8_t> bytes = encode_clip(c);
  std::vector<uint64_t> codes(64);
  std::string error;
  {
    GopDecoder dec(bytes.data(), bytes.size() / 2, 8, 8, 16);
    bool ok = true;
    for (int f = 0; f < 4 && ok; ++f) ok = dec.next_frame(codes.data(), nullptr, &error);
    CHECK_FALSE((ok && dec.finish(&error)));
    CHECK(error.find("entropy decoder") != std::string::npos);
  }
  {
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0x55);
    GopDecoder dec(longer.data(), longer.size(), 8, 8, 16);
    for (int f = 0; f < 4; ++f) REQUIRE(dec.next_frame(codes.data(), nullptr, &error));
    CHECK_FALSE(dec.finish(&error));
    CHECK(error == "entropy decoder: token stream has bytes past its end");
  }
}

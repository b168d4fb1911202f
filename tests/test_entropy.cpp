// Tests of entropy/: the range coder's exactness and efficiency, token-grid round trips, and
// the decoder's behaviour on truncated and damaged streams.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "range_decoder.h"
#include "range_encoder.h"
#include "token_coder.h"

namespace {

using bsq::entropy::RangeDecoder;
using bsq::entropy::RangeEncoder;
using bsq::entropy::TokenPlane;

struct Rng {  // splitmix64: deterministic test data
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

struct Decision {
  int bit;
  uint32_t p1;
};

std::vector<uint8_t> encode_all(const std::vector<Decision>& ds) {
  RangeEncoder enc;
  for (const Decision& d : ds) enc.encode(d.bit, d.p1);
  return enc.finish();
}

// Decodes ds.size() decisions with the same probabilities; true if every bit comes back and the
// decoder ends exactly at the end of the stream.
bool decodes_back(const std::vector<uint8_t>& bytes, const std::vector<Decision>& ds) {
  RangeDecoder dec(bytes.data(), bytes.size());
  for (const Decision& d : ds)
    if (dec.decode(d.p1) != d.bit) return false;
  return dec.at_end() && !dec.overrun();
}

double ideal_bits(const std::vector<Decision>& ds) {
  double bits = 0;
  for (const Decision& d : ds) bits -= std::log2((d.bit ? d.p1 : 65536 - d.p1) / 65536.0);
  return bits;
}

uint64_t mask_of(int bits) { return bits == 64 ? ~0ull : (1ull << bits) - 1; }

TokenPlane random_plane(Rng& rng, int frames, int rows, int cols, int bits) {
  TokenPlane t{frames, rows, cols, bits, std::vector<uint64_t>(static_cast<size_t>(frames) * rows * cols)};
  for (uint64_t& c : t.codes) c = rng.next() & mask_of(bits);
  return t;
}

// A smooth ramp written in binary: neighbouring tokens share their high bits.
TokenPlane gradient_plane(int frames, int rows, int cols, int bits) {
  TokenPlane t{frames, rows, cols, bits, {}};
  for (int f = 0; f < frames; ++f)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x)
        t.codes.push_back(static_cast<uint64_t>(3 * x + 5 * y + 2 * f) / 4 & mask_of(bits));
  return t;
}

// Every channel is a blocky random pattern (8x8 blocks) with 3% of the bits flipped: spatially
// correlated like real token channels, and channels 2k and 2k+1 equal, as correlated channels are.
TokenPlane blocky_plane(Rng& rng, int frames, int rows, int cols, int bits) {
  TokenPlane t{frames, rows, cols, bits, std::vector<uint64_t>(static_cast<size_t>(frames) * rows * cols)};
  const int brows = rows / 8 + 1, bcols = cols / 8 + 1;
  std::vector<uint64_t> blocks(static_cast<size_t>(brows) * bcols);
  for (uint64_t& b : blocks) b = rng.next();
  for (int f = 0; f < frames; ++f)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x) {
        uint64_t c = 0;
        const uint64_t b = blocks[static_cast<size_t>(y / 8) * bcols + x / 8];
        for (int i = 0; i < bits; ++i) c |= ((b >> (i / 2)) & 1) << i;
        for (int i = 0; i < bits; ++i)
          if (rng.below(100) < 3) c ^= 1ull << i;
        t.codes[(static_cast<size_t>(f) * rows + y) * cols + x] = c;
      }
  return t;
}

bool round_trips(const TokenPlane& t, size_t* size = nullptr) {
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
  if (size) *size = bytes.size();
  TokenPlane back;
  std::string error;
  const bool ok =
      bsq::entropy::decode_tokens(bytes.data(), bytes.size(), t.frames, t.rows, t.cols, t.bits, &back, &error);
  if (!ok) MESSAGE(error);
  return ok && back.codes == t.codes && back.frames == t.frames && back.rows == t.rows && back.cols == t.cols &&
         back.bits == t.bits;
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001B3ull;
  return h;
}

}  // namespace

TEST_CASE("range coder: empty stream") {
  RangeEncoder enc;
  const std::vector<uint8_t> bytes = enc.finish();
  CHECK(bytes.size() == 1);
  RangeDecoder dec(bytes.data(), bytes.size());
  CHECK(dec.at_end());
  CHECK_FALSE(dec.overrun());
  // Even an empty stream has one byte: a zero-length input is truncated, and safe to read.
  RangeDecoder none(nullptr, 0);
  CHECK(none.overrun());
  none.decode(32768);
  CHECK(none.overrun());
}

TEST_CASE("range coder: one-symbol streams at every kind of probability") {
  for (uint32_t p1 : {1u, 2u, 100u, 32768u, 65000u, 65534u, 65535u})
    for (int bit : {0, 1}) {
      CAPTURE(p1);
      CAPTURE(bit);
      const std::vector<Decision> ds{{bit, p1}};
      const std::vector<uint8_t> bytes = encode_all(ds);
      CHECK(decodes_back(bytes, ds));
      CHECK(bytes.size() <= 4);  // 16 bits of information at most, plus the flush
    }
}

TEST_CASE("range coder: out-of-range probabilities are clamped alike on both sides") {
  const std::vector<Decision> ds{{1, 0}, {0, 0}, {1, 65536}, {0, 70000}, {1, 0xFFFFFFFFu}};
  CHECK(decodes_back(encode_all(ds), ds));
}

TEST_CASE("range coder: random bits at extreme and random probabilities round trip") {
  Rng rng{1};
  for (uint32_t p1 : {1u, 65535u, 3u, 65533u, 32768u}) {
    CAPTURE(p1);
    // Bits drawn from the stated probability, then bits that contradict it every time.
    std::vector<Decision> typical, adverse;
    for (int k = 0; k < 20000; ++k) {
      typical.push_back({static_cast<int>(rng.below(65536) < p1), p1});
      adverse.push_back({p1 < 32768 ? 1 : 0, p1});
    }
    CHECK(decodes_back(encode_all(typical), typical));
    CHECK(decodes_back(encode_all(adverse), adverse));
  }
  std::vector<Decision> mixed;
  for (int k = 0; k < 200000; ++k) {
    const uint32_t choice = rng.below(4);
    const uint32_t p1 = choice == 0 ? 1 + rng.below(16) : choice == 1 ? 65535 - rng.below(16) : 1 + rng.below(65535);
    mixed.push_back({static_cast<int>(rng.below(65536) < p1) ^ static_cast<int>(rng.below(50) == 0), p1});
  }
  CHECK(decodes_back(encode_all(mixed), mixed));
}

TEST_CASE("range coder: long runs of carries") {
  // Bits that keep the interval at the top of the range produce long runs of 0xFF bytes that a
  // later carry must ripple through.
  std::vector<Decision> ds;
  for (int k = 0; k < 5000; ++k) ds.push_back({0, 65535});
  for (int k = 0; k < 5000; ++k) ds.push_back({0, 60000});
  ds.push_back({1, 1});
  for (int k = 0; k < 5000; ++k) ds.push_back({k % 2, 32768});
  CHECK(decodes_back(encode_all(ds), ds));
}

TEST_CASE("range coder: output within 0.1% + 8 bytes of the ideal code length") {
  Rng rng{2};
  std::vector<Decision> ds;
  for (int k = 0; k < 1000000; ++k) {
    // Probabilities spread over the whole range, skewed toward confident ones as a prior's are.
    const uint32_t r = rng.below(3);
    const uint32_t p1 = r == 0 ? 1 + rng.below(65535) : r == 1 ? 1 + rng.below(2000) : 65535 - rng.below(2000);
    ds.push_back({static_cast<int>(rng.below(65536) < p1), p1});
  }
  const std::vector<uint8_t> bytes = encode_all(ds);
  const double ideal_bytes = ideal_bits(ds) / 8;
  MESSAGE("coded " << bytes.size() << " bytes, ideal " << ideal_bytes);
  CHECK(bytes.size() <= ideal_bytes * 1.001 + 8);
  CHECK(decodes_back(bytes, ds));
}

TEST_CASE("range coder: truncated streams are reported as overrun") {
  Rng rng{3};
  std::vector<Decision> ds;
  for (int k = 0; k < 4000; ++k) ds.push_back({static_cast<int>(rng.below(2)), 32768});
  const std::vector<uint8_t> bytes = encode_all(ds);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    RangeDecoder dec(bytes.data(), cut);
    for (const Decision& d : ds) dec.decode(d.p1);
    CHECK(dec.overrun());
  }
}

TEST_CASE("token coder: tiny and extreme shapes round trip") {
  Rng rng{4};
  for (int bits : {1, 2, 7, 18, 32, 36, 63, 64}) {
    CAPTURE(bits);
    CHECK(round_trips(random_plane(rng, 1, 1, 1, bits)));
    CHECK(round_trips(random_plane(rng, 1, 1, 9, bits)));
    CHECK(round_trips(random_plane(rng, 1, 9, 1, bits)));
    CHECK(round_trips(random_plane(rng, 3, 5, 4, bits)));
    CHECK(round_trips(gradient_plane(2, 11, 13, bits)));
  }
  TokenPlane zeros{1, 16, 16, 64, std::vector<uint64_t>(256, 0)};
  TokenPlane ones{1, 16, 16, 64, std::vector<uint64_t>(256, ~0ull)};
  CHECK(round_trips(zeros));
  CHECK(round_trips(ones));
}

TEST_CASE("token coder: larger random and structured grids round trip") {
  Rng rng{5};
  CHECK(round_trips(random_plane(rng, 1, 40, 50, 32)));
  CHECK(round_trips(blocky_plane(rng, 1, 64, 96, 32)));
  CHECK(round_trips(blocky_plane(rng, 4, 20, 30, 18)));
  CHECK(round_trips(gradient_plane(1, 100, 120, 32)));
  CHECK(round_trips(gradient_plane(1, 30, 40, 64)));
}

TEST_CASE("token coder: bits above `bits` are ignored") {
  TokenPlane t{1, 2, 2, 4, {0xF3, 0x10, 0xFFFF, 0x5}};
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
  TokenPlane back;
  std::string error;
  REQUIRE(bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, 2, 2, 4, &back, &error));
  CHECK(back.codes == std::vector<uint64_t>{0x3, 0x0, 0xF, 0x5});
}

TEST_CASE("token coder: structured grids compress well below raw, random ones stay near raw") {
  Rng rng{6};
  size_t size = 0;
  const TokenPlane gradient = gradient_plane(1, 64, 64, 32);
  REQUIRE(round_trips(gradient, &size));
  MESSAGE("gradient 64x64x32: " << size << " bytes of " << 64 * 64 * 4 << " raw");
  CHECK(size < 64 * 64 * 4 / 10);

  const TokenPlane blocky = blocky_plane(rng, 1, 96, 128, 32);
  REQUIRE(round_trips(blocky, &size));
  MESSAGE("blocky 96x128x32: " << size << " bytes of " << 96 * 128 * 4 << " raw");
  CHECK(size < 96 * 128 * 4 * 4 / 10);

  const TokenPlane noise = random_plane(rng, 1, 96, 128, 32);
  REQUIRE(round_trips(noise, &size));
  MESSAGE("random 96x128x32: " << size << " bytes of " << 96 * 128 * 4 << " raw");
  CHECK(size < 96 * 128 * 4 * 1.01);
}

TEST_CASE("token coder: ideal code length matches the coded size") {
  Rng rng{7};
  for (const TokenPlane& t : {blocky_plane(rng, 1, 80, 80, 32), random_plane(rng, 1, 40, 40, 18)}) {
    const double ideal_bytes = bsq::entropy::ideal_code_length_bits(t) / 8;
    const size_t size = bsq::entropy::encode_tokens(t).size();
    CHECK(size <= ideal_bytes * 1.001 + 8);
    CHECK(size >= ideal_bytes - 1);
  }
}

TEST_CASE("token coder: per-token code lengths sum to the ideal code length, and flat regions cost less") {
  Rng rng{9};
  for (const TokenPlane& t : {blocky_plane(rng, 2, 24, 40, 32), random_plane(rng, 1, 16, 16, 7)}) {
    const std::vector<double> per_token = bsq::entropy::token_code_lengths_bits(t);
    REQUIRE(per_token.size() == t.codes.size());
    double sum = 0;
    for (const double b : per_token) {
      CHECK(b > 0);
      sum += b;
    }
    CHECK(sum == doctest::Approx(bsq::entropy::ideal_code_length_bits(t)).epsilon(1e-9));
  }
  // A constant plane with one random row: the constant tokens, once learnt, cost far less.
  TokenPlane t{1, 16, 16, 16, std::vector<uint64_t>(256, 0x1234)};
  for (int x = 0; x < 16; ++x) t.codes[8 * 16 + x] = rng.next() & 0xffff;
  const std::vector<double> per_token = bsq::entropy::token_code_lengths_bits(t);
  REQUIRE(per_token.size() == 256);
  CHECK(per_token[7 * 16 + 8] * 4 < per_token[8 * 16 + 8]);
  CHECK(bsq::entropy::token_code_lengths_bits(TokenPlane{}).empty());
}

TEST_CASE("token coder: the stream is fixed by the format, under each prior revision") {
  // The prior is part of the format: a change to any context, rate or table changes these hashes
  // and makes old streams undecodable. A change belongs in a new revision (prior_revision.h, with
  // the container's PRIO chunk); the hashes of the existing ones never change.
  const auto stream = [](int revision) {
    Rng rng{8};
    TokenPlane t = blocky_plane(rng, 2, 24, 40, 32);
    t.prior = revision;
    return bsq::entropy::encode_tokens(t);
  };
  const std::vector<uint8_t> a = stream(1);
  CHECK(a == stream(1));
  CHECK(a.size() == 2003);
  CHECK(fnv1a(a) == 0xc491f04ba8a81544ull);
  const std::vector<uint8_t> b = stream(2);
  CHECK(b == stream(2));
  CHECK(b.size() == 2047);
  CHECK(fnv1a(b) == 0xd97660eb32cc57ccull);
  Rng rng{8};
  CHECK(bsq::entropy::encode_tokens(blocky_plane(rng, 2, 24, 40, 32)) == b);  // the latest by default
}

TEST_CASE("token coder: malformed arguments are refused") {
  std::string error;
  TokenPlane out;
  const uint8_t byte = 0;
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 1, 1, 1, 0, &out, &error));
  CHECK(error == "entropy decoder: bits per token outside 1..64");
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 1, 1, 1, 65, &out, &error));
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 1, 0, 1, 8, &out, &error));
  CHECK(error == "entropy decoder: token rows outside 1..65536");
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 1, 1, 65537, 8, &out, &error));
  CHECK(error == "entropy decoder: token columns outside 1..65536");
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 0, 1, 1, 8, &out, &error));
  CHECK(error == "entropy decoder: frame count outside 1..100000");
  CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 100, 1000, 1000, 8, &out, &error));
  CHECK(error == "entropy decoder: more than 2^26 tokens");
  CHECK_FALSE(bsq::entropy::decode_tokens(nullptr, 5, 1, 1, 1, 8, &out, &error));
  CHECK(error == "entropy decoder: no data");

  CHECK(bsq::entropy::encode_tokens(TokenPlane{1, 2, 2, 8, {1, 2, 3}}).empty());  // 3 codes for 4 tokens
  CHECK(bsq::entropy::encode_tokens(TokenPlane{1, 2, 2, 0, {1, 2, 3, 4}}).empty());
  CHECK(bsq::entropy::ideal_code_length_bits(TokenPlane{}) == 0);
}

TEST_CASE("token coder: truncated streams fail, extended ones too") {
  Rng rng{9};
  const TokenPlane t = blocky_plane(rng, 1, 32, 32, 32);
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
  std::string error;
  TokenPlane back;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(bsq::entropy::decode_tokens(bytes.data(), cut, 1, 32, 32, 32, &back, &error));
  }
  CHECK(error.find("entropy decoder: token stream") == 0);
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(bsq::entropy::decode_tokens(longer.data(), longer.size(), 1, 32, 32, 32, &back, &error));
  CHECK(error == "entropy decoder: token stream has bytes past its end");
}

TEST_CASE("token coder: damaged streams terminate with an error or some tokens") {
  Rng rng{10};
  const TokenPlane t = blocky_plane(rng, 2, 16, 24, 36);
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
  int refused = 0, trials = 0;
  for (size_t at = 0; at < bytes.size(); at += 1 + bytes.size() / 200)
    for (int bit = 0; bit < 8; bit += 3) {
      std::vector<uint8_t> damaged = bytes;
      damaged[at] ^= static_cast<uint8_t>(1u << bit);
      TokenPlane back;
      std::string error;
      const bool ok = bsq::entropy::decode_tokens(damaged.data(), damaged.size(), 2, 16, 24, 36, &back, &error);
      ++trials;
      if (!ok) ++refused;
      if (ok) CHECK(back.codes.size() == t.codes.size());
    }
  MESSAGE(refused << " of " << trials << " single-bit errors detected (stream length, coder state)");
}

TEST_CASE("token coder: garbage is refused with a message, or decodes to a grid of the size asked for") {
  Rng rng{11};
  int refused = 0;
  constexpr int kTrials = 200;
  for (int k = 0; k < kTrials; ++k) {  // pure garbage of every length
    std::vector<uint8_t> garbage(rng.below(300));
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng.next());
    const int frames = 1 + static_cast<int>(rng.below(3)), rows = 1 + static_cast<int>(rng.below(20));
    const int cols = 1 + static_cast<int>(rng.below(20)), bits = 1 + static_cast<int>(rng.below(64));
    CAPTURE(k);
    TokenPlane back;
    std::string error;
    if (!bsq::entropy::decode_tokens(garbage.data(), garbage.size(), frames, rows, cols, bits, &back, &error)) {
      ++refused;
      CHECK(error.rfind("entropy decoder: token stream", 0) == 0);
      continue;
    }
    CHECK(back.frames == frames);
    CHECK(back.rows == rows);
    CHECK(back.cols == cols);
    CHECK(back.bits == bits);
    REQUIRE(back.codes.size() == static_cast<size_t>(frames) * rows * cols);
    bool within_bits = true;
    for (const uint64_t code : back.codes) within_bits = within_bits && (bits == 64 || code >> bits == 0);
    CHECK(within_bits);
  }
  MESSAGE(refused << " of " << kTrials << " garbage inputs refused");
  // The coder must end exactly at the stream's last byte and in a consistent state, so garbage is
  // nearly always refused (all 200 at this seed when written).
  CHECK(refused >= kTrials * 9 / 10);
}

namespace {

// Counts per window in regions (a count per 3x3 block of windows, from `counts`), as an encoder
// choosing them by content would make them.
std::vector<uint8_t> regional_counts(Rng& rng, int rows, int cols, int window, const std::vector<int>& counts) {
  const int wr = (rows + window - 1) / window, wc = (cols + window - 1) / window;
  std::vector<uint8_t> map(static_cast<size_t>(wr) * wc);
  std::vector<uint8_t> regions(static_cast<size_t>(wr / 3 + 1) * (wc / 3 + 1));
  for (uint8_t& r : regions) r = static_cast<uint8_t>(counts[rng.below(static_cast<uint32_t>(counts.size()))]);
  for (int y = 0; y < wr; ++y)
    for (int x = 0; x < wc; ++x)
      map[static_cast<size_t>(y) * wc + x] = regions[static_cast<size_t>(y / 3) * (wc / 3 + 1) + x / 3];
  return map;
}

// The plane with its window counts, and what the decoder should give back: each token cut to its count.
struct Windowed {
  TokenPlane plane;
  std::vector<uint64_t> expected;
};

Windowed with_counts(TokenPlane t, int window, std::vector<uint8_t> counts) {
  Windowed w{std::move(t), {}};
  w.plane.window = window;
  w.plane.window_bits = std::move(counts);
  const int wc = (w.plane.cols + window - 1) / window;
  for (int y = 0; y < w.plane.rows; ++y)
    for (int x = 0; x < w.plane.cols; ++x)
      w.expected.push_back(w.plane.codes[static_cast<size_t>(y) * w.plane.cols + x] &
                           mask_of(w.plane.window_bits[static_cast<size_t>(y / window) * wc + x / window]));
  return w;
}

bool windowed_round_trip(const Windowed& w, size_t* size = nullptr) {
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(w.plane);
  if (size) *size = bytes.size();
  TokenPlane back;
  std::string error;
  const TokenPlane& t = w.plane;
  const bool ok =
      bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, t.rows, t.cols, t.bits, &back, &error, t.window);
  if (!ok) MESSAGE(error);
  return ok && back.codes == w.expected && back.window == t.window && back.window_bits == t.window_bits;
}

}  // namespace

TEST_CASE("token coder: counts per window round trip, and each token codes only its window's bits") {
  Rng rng{21};
  for (const int bits : {1, 5, 32, 33, 64}) {
    for (const int window : {1, 3, 8}) {
      for (const auto& shape : {std::pair{1, 1}, {7, 5}, {24, 40}, {50, 17}}) {
        // Named copies, not a structured binding: CAPTURE's lambda cannot capture one in C++17 (clang).
        const int rows = shape.first, cols = shape.second;
        CAPTURE(bits);
        CAPTURE(window);
        CAPTURE(rows);
        CAPTURE(cols);
        const std::vector<int> counts = {1, bits, std::max(1, bits / 2), std::max(1, bits - 1)};
        CHECK(windowed_round_trip(with_counts(blocky_plane(rng, 1, rows, cols, bits), window,
                                              regional_counts(rng, rows, cols, window, counts))));
        // Every count drawn independently: no regions for the count model to use.
        std::vector<uint8_t> scattered(bsq::entropy::window_count(rows, cols, window));
        for (uint8_t& k : scattered) k = static_cast<uint8_t>(1 + rng.below(static_cast<uint32_t>(bits)));
        CHECK(windowed_round_trip(with_counts(random_plane(rng, 1, rows, cols, bits), window, scattered)));
      }
    }
  }
}

TEST_CASE("token coder: counts per window cost little, and fewer bits cost less") {
  Rng rng{22};
  const TokenPlane t = blocky_plane(rng, 1, 64, 96, 32);
  size_t plain = 0;
  REQUIRE(round_trips(t, &plain));
  // All windows at the full count: the tokens cost exactly what they cost without counts; the
  // counts of 96 windows add a few bytes.
  const Windowed full = with_counts(t, 8, std::vector<uint8_t>(bsq::entropy::window_count(64, 96, 8), 32));
  size_t with_full = 0;
  REQUIRE(windowed_round_trip(full, &with_full));
  CHECK(bsq::entropy::token_code_lengths_bits(full.plane) == bsq::entropy::token_code_lengths_bits(t));
  CHECK(with_full >= plain);
  CHECK(with_full <= plain + 4);
  // Half the windows at 8 bits: about 3/8 fewer token bits coded, and the stream shrinks with them.
  const Windowed mixed = with_counts(t, 8, regional_counts(rng, 64, 96, 8, {8, 32}));
  size_t with_mixed = 0;
  REQUIRE(windowed_round_trip(mixed, &with_mixed));
  CHECK(with_mixed < plain * 9 / 10);
  // The ideal length covers the counts too, within the coder's few bytes.
  const double ideal = bsq::entropy::ideal_code_length_bits(mixed.plane);
  CHECK(ideal / 8 <= with_mixed);
  CHECK(ideal / 8 + 8 >= with_mixed);
  // Bits past a token's count change nothing in the stream.
  Windowed noisy = mixed;
  for (uint64_t& c : noisy.plane.codes) c |= ~0ull << 8 & mask_of(32);
  const std::vector<uint8_t> a = bsq::entropy::encode_tokens(mixed.plane);
  const std::vector<uint8_t> b = bsq::entropy::encode_tokens(noisy.plane);
  CHECK(a != b);  // the windows at 32 bits do change
  Windowed low = with_counts(t, 8, std::vector<uint8_t>(96, 8));
  Windowed low_noisy = low;
  for (uint64_t& c : low_noisy.plane.codes) c |= ~0ull << 8 & mask_of(32);
  CHECK(bsq::entropy::encode_tokens(low.plane) == bsq::entropy::encode_tokens(low_noisy.plane));
}

TEST_CASE("token coder: malformed counts per window are refused") {
  Rng rng{23};
  const TokenPlane t = random_plane(rng, 1, 10, 10, 16);
  const auto refused = [&](int window, std::vector<uint8_t> counts) {
    TokenPlane bad = t;
    bad.window = window;
    bad.window_bits = std::move(counts);
    return bsq::entropy::encode_tokens(bad).empty() && bsq::entropy::ideal_code_length_bits(bad) == 0 &&
           bsq::entropy::token_code_lengths_bits(bad).empty();
  };
  CHECK(refused(4, std::vector<uint8_t>(8, 16)));           // 3x3 windows, not 8
  CHECK(refused(0, std::vector<uint8_t>(9, 16)));           // no window size
  CHECK(refused(4, {16, 16, 16, 16, 0, 16, 16, 16, 16}));   // a count of 0
  CHECK(refused(4, {16, 16, 16, 16, 17, 16, 16, 16, 16}));  // more than the plane's bits
  TokenPlane two = random_plane(rng, 2, 10, 10, 16);
  two.window = 4;
  two.window_bits.assign(9, 16);
  CHECK(bsq::entropy::encode_tokens(two).empty());  // one frame only
  // The decoder refuses counts for several frames, and a negative window.
  const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
  std::string error;
  CHECK_FALSE(bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 2, 10, 10, 16, nullptr, &error, 4));
  CHECK(error.find("one frame") != std::string::npos);
  CHECK_FALSE(bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, 10, 10, 16, nullptr, &error, -1));
  CHECK_FALSE(bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, 10, 10, 16, nullptr, &error, 1 << 30));
  CHECK(refused(1 << 30, {16}));  // a window too large to count with
}

TEST_CASE("token coder: garbage with counts per window is refused, or decodes to counts within 1..bits") {
  Rng rng{24};
  int refused = 0, out_of_range = 0;
  constexpr int kTrials = 300;
  for (int k = 0; k < kTrials; ++k) {
    std::vector<uint8_t> garbage(rng.below(200));
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng.next());
    const int rows = 1 + static_cast<int>(rng.below(20)), cols = 1 + static_cast<int>(rng.below(20));
    const int bits = 1 + static_cast<int>(rng.below(64)), window = 1 + static_cast<int>(rng.below(8));
    CAPTURE(k);
    TokenPlane back;
    std::string error;
    if (!bsq::entropy::decode_tokens(garbage.data(), garbage.size(), 1, rows, cols, bits, &back, &error, window)) {
      ++refused;
      out_of_range += error.find("out of range") != std::string::npos;
      CHECK(error.rfind("entropy decoder: token stream", 0) == 0);
      continue;
    }
    REQUIRE(back.window_bits.size() == bsq::entropy::window_count(rows, cols, window));
    bool in_range = true;
    for (const uint8_t c : back.window_bits) in_range = in_range && c >= 1 && c <= bits;
    CHECK(in_range);
  }
  MESSAGE(refused << " of " << kTrials << " refused, " << out_of_range << " for a count out of range");
  CHECK(refused >= kTrials * 9 / 10);
  CHECK(out_of_range > 0);  // the range check is reached
}

TEST_CASE("token coder: each prior revision round trips, and a stream decodes only under its own") {
  Rng rng{31};
  for (const int revision : {1, 2}) {
    CAPTURE(revision);
    for (const bool windowed : {false, true}) {
      CAPTURE(windowed);
      Windowed w{blocky_plane(rng, 1, 20, 30, 32), {}};
      w.expected = w.plane.codes;
      if (windowed) w = with_counts(w.plane, 4, regional_counts(rng, 20, 30, 4, {8, 32}));
      TokenPlane& t = w.plane;
      t.prior = revision;
      const std::vector<uint8_t> bytes = bsq::entropy::encode_tokens(t);
      REQUIRE_FALSE(bytes.empty());
      TokenPlane back;
      std::string error;
      REQUIRE(
          bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, 20, 30, 32, &back, &error, t.window, revision));
      CHECK(back.codes == w.expected);
      CHECK(back.window_bits == t.window_bits);
      CHECK(back.prior == revision);
      const double ideal = bsq::entropy::ideal_code_length_bits(t);
      CHECK(ideal / 8 <= bytes.size());
      CHECK(ideal / 8 + 8 >= bytes.size());
      // Under the other revision the same bytes fail or give other tokens.
      TokenPlane wrong;
      const bool decoded = bsq::entropy::decode_tokens(bytes.data(), bytes.size(), 1, 20, 30, 32, &wrong, &error,
                                                       t.window, 3 - revision);
      CHECK((!decoded || wrong.codes != w.expected));
    }
  }
  std::string error;
  TokenPlane out;
  const uint8_t byte = 0;
  for (const int unknown : {0, bsq::entropy::kLatestPriorRevision + 1}) {
    CHECK_FALSE(bsq::entropy::decode_tokens(&byte, 1, 1, 1, 1, 8, &out, &error, 0, unknown));
    CHECK(error == "entropy decoder: unknown prior revision " + std::to_string(unknown));
    TokenPlane t = random_plane(rng, 1, 4, 4, 8);
    t.prior = unknown;
    CHECK(bsq::entropy::encode_tokens(t).empty());
    CHECK(bsq::entropy::ideal_code_length_bits(t) == 0);
  }
}

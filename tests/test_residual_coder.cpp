// The residual layer's coefficient coder: round trips, its caps, truncated and extended streams,
// and that it spends bits where the levels are.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "residual_coder.h"

using namespace bsq::entropy;

namespace {

// Levels as a transform coder makes them: mostly zero, larger at low frequencies, some blocks
// empty, a few large values and both signs; deterministic.
ResidualPlanes typical_levels(int planes, int blocks_x, int blocks_y, uint32_t seed) {
  ResidualPlanes r{planes, blocks_x, blocks_y, {}};
  r.levels.resize(static_cast<size_t>(planes) * blocks_x * blocks_y * kResidualBlockSize);
  std::mt19937 rng(seed);
  for (size_t b = 0; b < r.levels.size() / kResidualBlockSize; ++b) {
    if (rng() % 3 == 0) continue;  // an empty block
    for (int i = 0; i < kResidualBlockSize; ++i) {
      const double scale = 6.0 / (1 + i);
      std::exponential_distribution<double> magnitude(1.0 / scale);
      int v = static_cast<int>(magnitude(rng));
      if (rng() % 97 == 0) v = static_cast<int>(rng() % 3000);
      r.levels[b * kResidualBlockSize + i] = static_cast<int16_t>(rng() % 2 ? v : -v);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("residual coder: levels go out and come back, for any block grid") {
  struct Dims {
    int planes, bx, by;
  };
  for (const Dims& d : {Dims{1, 1, 1}, Dims{3, 1, 1}, Dims{3, 7, 5}, Dims{2, 16, 3}, Dims{3, 40, 30}}) {
    const int planes = d.planes, bx = d.bx, by = d.by;
    CAPTURE(planes);
    CAPTURE(bx);
    CAPTURE(by);
    const ResidualPlanes levels = typical_levels(planes, bx, by, 17u + bx);
    const std::vector<uint8_t> bytes = encode_residual(levels);
    REQUIRE_FALSE(bytes.empty());
    ResidualPlanes back;
    std::string error;
    REQUIRE(decode_residual(bytes.data(), bytes.size(), planes, bx, by, &back, &error));
    CHECK(error.empty());
    CHECK(back.planes == planes);
    CHECK(back.blocks_x == bx);
    CHECK(back.blocks_y == by);
    CHECK(back.levels == levels.levels);
  }
}

TEST_CASE("residual coder: the extreme levels round trip, larger ones and bad dimensions are refused") {
  ResidualPlanes r{3, 2, 2, std::vector<int16_t>(3 * 2 * 2 * kResidualBlockSize, 0)};
  r.levels[0] = kMaxResidualLevel;
  r.levels[63] = -kMaxResidualLevel;
  r.levels[64] = 3;
  r.levels[200] = -1;
  const auto bytes = encode_residual(r);
  ResidualPlanes back;
  std::string error;
  REQUIRE(decode_residual(bytes.data(), bytes.size(), 3, 2, 2, &back, &error));
  CHECK(back.levels == r.levels);

  r.levels[5] = -kMaxResidualLevel - 1;
  CHECK(encode_residual(r).empty());
  r.levels[5] = 0;
  r.levels.pop_back();
  CHECK(encode_residual(r).empty());  // fewer levels than the dimensions say

  struct Wrong {
    int planes, bx, by;
    const char* what;
  };
  const int most = kMaxResidualBlocksPerSide;
  for (const Wrong& w :
       {Wrong{0, 1, 1, "planes"}, Wrong{4, 1, 1, "planes"}, Wrong{3, 0, 1, "blocks per row"},
        Wrong{3, most + 1, 1, "blocks per row"}, Wrong{3, 1, -1, "block rows"}, Wrong{3, most, most, "blocks"}}) {
    const int planes = w.planes, bx = w.bx, by = w.by;
    const char* what = w.what;
    CAPTURE(what);
    CHECK_FALSE(check_residual_dims(planes, bx, by, &error));
    CHECK(error == std::string("residual layer: ") + what + " out of range");
    CHECK_FALSE(decode_residual(bytes.data(), bytes.size(), planes, bx, by, &back, &error));
    CHECK(error == std::string("residual layer: ") + what + " out of range");
  }
}

TEST_CASE("residual coder: truncated streams fail, extended ones too, and garbage decodes safely") {
  const ResidualPlanes levels = typical_levels(3, 12, 9, 5);
  const auto bytes = encode_residual(levels);
  REQUIRE(bytes.size() > 100);
  ResidualPlanes back;
  std::string error;
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(decode_residual(bytes.data(), cut, 3, 12, 9, &back, &error));
    CHECK(error == "residual layer: truncated");
  }
  auto longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(decode_residual(longer.data(), longer.size(), 3, 12, 9, &back, &error));
  CHECK(error == "residual layer: bytes left over after the last level");
  // Random bytes: a message or (rarely) some levels, never a crash or a level out of range.
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint8_t> garbage(1 + rng() % 400);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    error.clear();
    if (decode_residual(garbage.data(), garbage.size(), 3, 12, 9, &back, &error)) {
      for (const int16_t v : back.levels) CHECK(std::abs(static_cast<int>(v)) <= kMaxResidualLevel);
    } else {
      CHECK(error.rfind("residual layer: ", 0) == 0);
    }
  }
}

TEST_CASE("residual coder: empty blocks cost almost nothing, and bits follow the levels") {
  ResidualPlanes zero{3, 64, 64, std::vector<int16_t>(3 * 64 * 64 * kResidualBlockSize, 0)};
  const size_t empty_bytes = encode_residual(zero).size();
  CHECK(empty_bytes < 3 * 64 * 64 / 8 / 20);  // well under 1/20 bit per block
  const size_t typical_bytes = encode_residual(typical_levels(3, 64, 64, 2)).size();
  ResidualPlanes sparse = typical_levels(3, 64, 64, 2);
  for (size_t i = 0; i < sparse.levels.size(); ++i)
    if (i % kResidualBlockSize > 5) sparse.levels[i] = 0;  // the low frequencies alone
  const size_t sparse_bytes = encode_residual(sparse).size();
  CHECK(empty_bytes < sparse_bytes);
  CHECK(sparse_bytes < typical_bytes / 2);
}

TEST_CASE("residual coder: the zigzag order visits each coefficient once, by rising frequency") {
  std::vector<int> seen(kResidualBlockSize, 0);
  int previous_band = 0;
  for (int i = 0; i < kResidualBlockSize; ++i) {
    const int raster = kZigzag[i];
    REQUIRE(raster < kResidualBlockSize);
    ++seen[raster];
    const int band = raster / kResidualBlockSide + raster % kResidualBlockSide;
    CHECK(band >= previous_band);  // anti-diagonals in order
    previous_band = band;
  }
  for (int count : seen) CHECK(count == 1);
}

namespace {

// Coefficients as a transform of a residual gives them, in units of the step: Laplacian, larger at
// low frequencies, some blocks all small; deterministic.
ResidualCoefficients typical_coefficients(int planes, int blocks_x, int blocks_y, uint32_t seed) {
  ResidualCoefficients c{planes, blocks_x, blocks_y, {}};
  c.values.resize(static_cast<size_t>(planes) * blocks_x * blocks_y * kResidualBlockSize);
  std::mt19937 rng(seed);
  for (size_t b = 0; b < c.values.size() / kResidualBlockSize; ++b) {
    const double activity = rng() % 4 == 0 ? 0.1 : 1.0 + rng() % 4;
    for (int i = 0; i < kResidualBlockSize; ++i) {
      std::exponential_distribution<double> magnitude(1.0 / (activity * 4.0 / (1 + i)));
      const double v = magnitude(rng);
      c.values[b * kResidualBlockSize + i] = static_cast<float>(rng() % 2 ? v : -v);
    }
  }
  return c;
}

double squared_error(const ResidualCoefficients& c, const ResidualPlanes& levels) {
  double e = 0;
  for (size_t i = 0; i < c.values.size(); ++i) e += (c.values[i] - levels.levels[i]) * (c.values[i] - levels.levels[i]);
  return e;
}

}  // namespace

TEST_CASE(
    "residual coder, rate-distortion quantiser: its stream decodes to the levels it chose, each one "
    "of 0, round(c) - 1 and round(c), with the coefficient's sign") {
  const ResidualCoefficients c = typical_coefficients(3, 9, 7, 3);
  for (const double lambda : {0.0, 0.07, 0.5}) {
    CAPTURE(lambda);
    ResidualPlanes chosen;
    const std::vector<uint8_t> bytes = encode_residual_rdo(c, lambda, &chosen);
    REQUIRE_FALSE(bytes.empty());
    ResidualPlanes back;
    std::string error;
    REQUIRE(decode_residual(bytes.data(), bytes.size(), 3, 9, 7, &back, &error));
    CHECK(back.levels == chosen.levels);
    CHECK(bytes == encode_residual(chosen));  // the same coder: choosing changes the levels alone
    int nonzero = 0;
    for (size_t i = 0; i < c.values.size(); ++i) {
      const int rounded = static_cast<int>(std::lround(std::abs(c.values[i])));
      const int level = chosen.levels[i];
      CHECK((level == 0 || std::abs(level) == rounded || std::abs(level) == rounded - 1));
      CHECK((level == 0 || (level < 0) == (c.values[i] < 0)));
      nonzero += level != 0;
    }
    CHECK(nonzero > 0);
  }
}

TEST_CASE(
    "residual coder, rate-distortion quantiser: at lambda 0 it rounds; a dearer bit buys fewer "
    "bytes for more error") {
  const ResidualCoefficients c = typical_coefficients(3, 24, 16, 8);
  ResidualPlanes rounded;
  encode_residual_rdo(c, 0.0, &rounded);
  for (size_t i = 0; i < c.values.size(); ++i) {
    const float v = c.values[i];
    if (std::abs(std::abs(v) - std::floor(std::abs(v)) - 0.5f) < 1e-3f) continue;  // a tie either way
    CHECK(rounded.levels[i] == std::lround(v));
  }
  size_t bytes_before = SIZE_MAX;
  double error_before = -1;
  for (const double lambda : {0.0, 0.05, 0.15, 0.5, 2.0}) {
    CAPTURE(lambda);
    ResidualPlanes chosen;
    const size_t bytes = encode_residual_rdo(c, lambda, &chosen).size();
    const double error = squared_error(c, chosen);
    CHECK(bytes < bytes_before);
    CHECK(error > error_before);
    bytes_before = bytes;
    error_before = error;
  }
  // Coefficients all under a half step code no level at all.
  ResidualCoefficients small{3, 4, 4, std::vector<float>(3 * 4 * 4 * kResidualBlockSize, 0.45f)};
  ResidualPlanes none;
  encode_residual_rdo(small, 0.01, &none);
  CHECK(std::all_of(none.levels.begin(), none.levels.end(), [](int16_t v) { return v == 0; }));
}

TEST_CASE("residual coder, rate-distortion quantiser: bad dimensions or a wrong count give an empty stream") {
  ResidualCoefficients c = typical_coefficients(3, 2, 2, 1);
  c.values.pop_back();
  CHECK(encode_residual_rdo(c, 0.1).empty());
  CHECK(encode_residual_rdo(ResidualCoefficients{4, 1, 1, std::vector<float>(4 * kResidualBlockSize)}, 0.1).empty());
}

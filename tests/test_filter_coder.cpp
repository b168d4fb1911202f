// The restoration filter's parameter coder: round trips, its caps, truncated, extended and
// garbage strings, and that its bit counts are what it writes.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "filter_coder.h"

using namespace bsq::entropy;

namespace {

FilterParams random_filter(int classes, uint32_t seed) {
  std::mt19937 rng(seed);
  FilterParams f;
  uint32_t t = 0;
  for (int c = 1; c < classes; ++c) f.thresholds.push_back(t += 1 + rng() % 5000);
  f.filters.resize(static_cast<size_t>(classes) + kFilterChromaPlanes);
  for (PlaneFilter& p : f.filters) {
    p.on = rng() % 4 != 0;
    if (!p.on) continue;
    for (int16_t& tap : p.taps) tap = static_cast<int16_t>(static_cast<int>(rng() % 81) - 40);
    p.gain = static_cast<int32_t>(rng() % 4001) - 2000;
    p.bias = static_cast<int32_t>(rng() % 201) - 100;
  }
  return f;
}

bool same(const FilterParams& a, const FilterParams& b) {
  if (a.thresholds != b.thresholds || a.filters.size() != b.filters.size()) return false;
  for (size_t i = 0; i < a.filters.size(); ++i) {
    const PlaneFilter &x = a.filters[i], &y = b.filters[i];
    if (x.on != y.on || x.gain != y.gain || x.bias != y.bias) return false;
    for (int j = 0; j < kFilterTaps; ++j)
      if (x.taps[j] != y.taps[j]) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("filter coder: parameters go out and come back, the extremes too, in the bits it counts") {
  for (const int classes : {1, 2, 5, kMaxFilterClasses}) {
    CAPTURE(classes);
    const FilterParams f = random_filter(classes, static_cast<uint32_t>(classes));
    const std::vector<uint8_t> bytes = encode_filter(f);
    REQUIRE(!bytes.empty());
    FilterParams back;
    std::string error;
    REQUIRE_MESSAGE(decode_filter(bytes.data(), bytes.size(), &back, &error), error);
    CHECK(same(back, f));
    int bits = threshold_bits(f.thresholds);
    for (const PlaneFilter& p : f.filters) bits += filter_bits(p);
    CHECK(bytes.size() == static_cast<size_t>((bits + 7) / 8));
  }
  FilterParams extreme;
  extreme.thresholds = {0, kMaxFilterThreshold};
  extreme.filters.resize(3 + kFilterChromaPlanes);
  for (size_t i = 0; i < extreme.filters.size(); ++i) {
    PlaneFilter& p = extreme.filters[i];
    p.on = true;
    const int sign = i % 2 ? -1 : 1;
    for (int16_t& tap : p.taps) tap = static_cast<int16_t>(sign * kMaxFilterTap);
    p.gain = sign * kMaxFilterGain;
    p.bias = -sign * kMaxFilterBias;
  }
  const auto bytes = encode_filter(extreme);
  FilterParams back;
  REQUIRE(decode_filter(bytes.data(), bytes.size(), &back, nullptr));
  CHECK(same(back, extreme));
  // All off: a bit per filter and the class count.
  FilterParams off;
  off.filters.resize(1 + kFilterChromaPlanes);
  CHECK(encode_filter(off).size() == 1);
  CHECK(filter_bits(off.filters[0]) == 1);
}

TEST_CASE("filter coder: parameters outside the caps are refused, by name") {
  const auto error_of = [](const FilterParams& f) {
    std::string error;
    CHECK_FALSE(check_filter(f, &error));
    CHECK(encode_filter(f).empty());
    return error;
  };
  FilterParams f = random_filter(3, 7);
  f.filters[0].on = true;
  FilterParams bad = f;
  bad.thresholds = {5, 5};
  CHECK(error_of(bad) == "restoration filter: class thresholds not ascending within range");
  bad.thresholds = {5, kMaxFilterThreshold + 1};
  CHECK(error_of(bad) == "restoration filter: class thresholds not ascending within range");
  bad = f;
  bad.filters.pop_back();
  CHECK(error_of(bad) == "restoration filter: wrong number of filters");
  bad = random_filter(kMaxFilterClasses, 1);
  bad.thresholds.push_back(bad.thresholds.back() + 1);
  bad.filters.push_back({});
  CHECK(error_of(bad) == "restoration filter: more than 16 classes");
  bad = f;
  bad.filters[0].taps[11] = kMaxFilterTap + 1;
  CHECK(error_of(bad) == "restoration filter: a tap out of range");
  bad = f;
  bad.filters[1].gain = -kMaxFilterGain - 1;
  CHECK(error_of(bad) == "restoration filter: a gain out of range");
  bad = f;
  bad.filters[2].bias = kMaxFilterBias + 1;
  CHECK(error_of(bad) == "restoration filter: a bias out of range");
}

TEST_CASE("filter coder: cut, extended and garbage strings fail cleanly") {
  const FilterParams f = random_filter(4, 11);
  const std::vector<uint8_t> bytes = encode_filter(f);
  FilterParams back;
  std::string error;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(decode_filter(bytes.data(), cut, &back, &error));
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(decode_filter(longer.data(), longer.size(), &back, &error));
  CHECK(error == "restoration filter: bits left over after the last filter");
  // Any string either decodes to parameters within the caps or fails with a message.
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> garbage(1 + rng() % 64);
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng());
    error.clear();
    if (decode_filter(garbage.data(), garbage.size(), &back, &error))
      CHECK(check_filter(back, nullptr));
    else
      CHECK(error.rfind("restoration filter: ", 0) == 0);
  }
}

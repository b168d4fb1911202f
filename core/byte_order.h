// Little-endian loads and stores, byte by byte, for every file format of the project (container,
// model files, .npy arrays): the result is the same on any host and needs no alignment. Internal:
// not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bsq {

template <typename T>
T load_le(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{p[i]} << (8 * i);
  return static_cast<T>(v);
}

// The same for a width known at run time (1 to 8 bytes).
inline uint64_t load_le_n(const uint8_t* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

template <typename T>
void store_le(uint8_t* p, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i));
}

template <typename T>
void append_le(std::vector<uint8_t>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  store_le(out.data() + at, value);
}

}  // namespace bsq

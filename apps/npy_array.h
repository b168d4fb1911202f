// NumPy .npy files of integer arrays, the format numpy.save writes and numpy.load reads: the token
// grids of bsqenc --tokens and bsqdec --from-tokens. Standard library only, so the reader can be
// fuzzed alone (fuzz/token_formats_fuzzer.cpp).
//
// Usage:
//   std::vector<uint8_t> bytes = bsq::npy::write_u64({frames, rows, cols}, codes);  // dtype '<u8'
//   auto array = bsq::npy::read(bytes.data(), bytes.size());
//   if (!array.ok()) return array.status();            // kInvalidData or kUnsupported, one line
//   use(array->shape, array->values);                  // C order, every value >= 0
//
// Layout (format version 1.0): "\x93NUMPY", major 1, minor 0, the header length as a little-endian
// u16, then an ASCII Python dict {'descr': '<u8', 'fortran_order': False, 'shape': (F, R, C), }
// padded with spaces and ended by '\n' so that data starts at a multiple of 64 bytes, then the data.
// The reader also takes versions 2.0 and 3.0 (u32 header length), and any integer dtype of 1, 2, 4
// or 8 bytes, little-endian, as numpy.save writes them (int64 is numpy's default integer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bsq/status.h"

namespace bsq::npy {

// Bounds on what the reader accepts, checked before any allocation sized by the file.
constexpr size_t kMaxHeaderBytes = size_t{1} << 16;
constexpr size_t kMaxDims = 8;
constexpr uint64_t kMaxElements = uint64_t{1} << 26;  // 512 MiB as uint64: far above any token grid

struct Array {
  std::vector<uint64_t> shape;
  std::vector<uint64_t> values;  // C (row-major) order; product(shape) of them
};

// Format version 1.0, dtype '<u8', C order. values.size() must be the product of shape.
std::vector<uint8_t> write_u64(const std::vector<uint64_t>& shape, const std::vector<uint64_t>& values);

// Validates everything: magic, version, header syntax and keys, dtype, shape bounds, and that the
// data is exactly product(shape) items long. Negative values of signed dtypes are refused.
StatusOr<Array> read(const uint8_t* data, size_t size);

}  // namespace bsq::npy

// libFuzzer target: the .npy reader and the flat JSON reader of token files on arbitrary bytes.
// What the .npy reader accepts must survive a rewrite as '<u8' with the same shape and values.
//
// Build: cmake -DBSQ_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: ./token_formats_fuzzer -max_total_time=60 DIR
// Seeds: the .npy and .json files bsqenc --tokens writes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flat_json.h"
#include "npy_array.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)bsq::cli::parse_flat_json(std::string_view(reinterpret_cast<const char*>(data), size));
  auto array = bsq::npy::read(data, size);
  if (!array.ok()) return 0;
  const auto again = bsq::npy::write_u64(array->shape, array->values);
  auto back = bsq::npy::read(again.data(), again.size());
  if (!back.ok() || back->shape != array->shape || back->values != array->values) std::abort();
  return 0;
}

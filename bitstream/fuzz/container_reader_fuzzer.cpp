// libFuzzer target: the .bsq reader on arbitrary bytes; what it accepts must survive a rewrite.
//
// Build: cmake -DBSQ_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: ./container_reader_fuzzer -max_total_time=60 DIR
// Seeds: any .bsq file, e.g. the example dump in man/bsq.5.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "byte_order.h"
#include "container_reader.h"
#include "container_writer.h"

namespace {

using namespace bsq::bitstream;
using bsq::load_le;  // core/byte_order.h
using bsq::store_le;

// Random mutations almost never leave a CRC-32 valid, so on their own they would only ever test
// the CRC checks. A copy with every CRC recomputed (walking the lengths as a reader would) lets
// the fuzzer reach the field and chunk checks behind them, without a fuzzing-only reader.
std::vector<uint8_t> with_valid_crcs(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  if (size < kOffsetFingerprint) return b;
  const auto header_size = load_le<uint32_t>(b.data() + kOffsetHeaderSize);
  if (header_size < kHeaderSize || header_size > kMaxHeaderSize || header_size > size) return b;
  store_le<uint32_t>(b.data() + header_size - 4, crc32_of(b.data(), header_size - 4));
  for (size_t pos = header_size; size - pos >= kChunkHeadSize + kChunkCrcSize;) {
    const uint64_t length = load_le<uint32_t>(b.data() + pos + 4);
    if (length > size - pos - kChunkHeadSize - kChunkCrcSize) break;
    store_le<uint32_t>(b.data() + pos + kChunkHeadSize + length, crc32_of(b.data() + pos, kChunkHeadSize + length));
    pos += kChunkHeadSize + length + kChunkCrcSize;
  }
  return b;
}

bool same(const Container& a, const Container& b) {
  if (!(a.header == b.header) || a.frames.size() != b.frames.size() || a.metadata.size() != b.metadata.size())
    return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    const auto &x = a.frames[i], &y = b.frames[i];
    if (x.first_frame != y.first_frame || x.frame_count != y.frame_count || x.coded != y.coded) return false;
  }
  for (size_t i = 0; i < a.metadata.size(); ++i)
    if (a.metadata[i].key != b.metadata[i].key || a.metadata[i].value != b.metadata[i].value) return false;
  return true;
}

void check(const uint8_t* data, size_t size) {
  const auto header = read_header(data, size);
  const auto stream = read_container(data, size, std::nullopt);
  // The header-only reader must agree with the full reader on every stream the latter accepts.
  if (stream.ok() && (!header.ok() || !(header.value() == stream->header))) __builtin_trap();
  if (!stream.ok()) return;
  // Whatever the reader accepts, the writer must accept and reproduce (unknown ancillary chunks
  // and appended header fields are dropped, so compare parsed forms, not bytes).
  const auto rewritten = write_container(stream.value());
  if (!rewritten.ok()) __builtin_trap();
  const auto reread = read_container(rewritten->data(), rewritten->size(), stream->header.model_fingerprint);
  if (!reread.ok() || !same(stream.value(), reread.value())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check(data, size);
  const auto fixed = with_valid_crcs(data, size);
  check(fixed.data(), fixed.size());
  return 0;
}

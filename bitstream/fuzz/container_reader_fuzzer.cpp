// libFuzzer target: the .bsq readers on arbitrary bytes. What read_container accepts must survive a
// rewrite; a ChunkReader on a pipe must say what it says on memory; the index must seek to its GOPs.
//
// Build: cmake -DBSQ_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: ./container_reader_fuzzer -max_total_time=60 DIR
// Seeds: any .bsq file, e.g. the example dump in man/bsq.5.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "byte_order.h"
#include "container_reader.h"
#include "container_stream.h"
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
  if (!(a.header == b.header) || a.frames.size() != b.frames.size() || a.metadata.size() != b.metadata.size() ||
      a.bits_window != b.bits_window || a.prior != b.prior || a.residual_step != b.residual_step ||
      a.residual != b.residual)
    return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    const auto &x = a.frames[i], &y = b.frames[i];
    if (x.first_frame != y.first_frame || x.frame_count != y.frame_count || x.coded != y.coded) return false;
  }
  for (size_t i = 0; i < a.metadata.size(); ++i)
    if (a.metadata[i].key != b.metadata[i].key || a.metadata[i].value != b.metadata[i].value) return false;
  return true;
}

// The bytes in memory, read as a pipe: no seeking, and short reads.
class PipeSource : public ByteSource {
 public:
  PipeSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bsq::StatusOr<size_t> read(uint8_t* dst, size_t n) override {
    const size_t got = std::min({n, size_ - at_, size_t{4093}});
    if (got > 0) std::memcpy(dst, data_ + at_, got);
    at_ += got;
    return got;
  }
  bool seekable() const override { return false; }
  uint64_t size() const override { return 0; }
  bsq::Status seek(uint64_t) override { return {bsq::StatusCode::kUnsupported, "pipe"}; }
  uint64_t position() const override { return at_; }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

// Every FRAM chunk until the end, or the first error's message.
std::string read_through(std::unique_ptr<ByteSource> source, std::vector<FrameChunk>& frames) {
  auto reader = ChunkReader::open(std::move(source), std::nullopt);
  if (!reader.ok()) return reader.status().message();
  while (true) {
    auto chunk = reader->next_frames();
    if (!chunk.ok()) return chunk.status().message();
    if (!chunk.value().has_value()) return "";
    frames.push_back(std::move(*chunk.value()));
  }
}

// The index, if any, and a seek to each of its GOPs. When the whole stream was accepted and the
// index lists exactly its FRAM chunks, every seek must deliver that chunk.
void check_index(const uint8_t* data, size_t size, const Container* stream) {
  auto reader = ChunkReader::open(memory_source(data, size), std::nullopt);
  if (!reader.ok()) return;
  const auto index = reader->read_index();
  if (!index.ok() || !index.value().has_value()) return;
  const auto& gops = index.value()->gops;
  bool agrees = stream != nullptr && gops.size() == stream->frames.size();
  for (size_t i = 0; agrees && i < gops.size(); ++i) {
    const FrameChunk& f = stream->frames[i];
    agrees = gops[i].first_frame == f.first_frame && gops[i].frame_count == f.frame_count && gops[i].offset == f.offset;
  }
  for (size_t i = 0; i < gops.size(); ++i) {
    if (index.value()->gop_of(gops[i].first_frame).offset != gops[i].offset) __builtin_trap();
    const bsq::Status seeked = reader->seek_to(gops[i]);
    if (!seeked.ok()) {
      if (agrees) __builtin_trap();
      continue;
    }
    const auto chunk = reader->next_frames();
    if (agrees && (!chunk.ok() || !chunk.value().has_value() || chunk.value()->coded != stream->frames[i].coded))
      __builtin_trap();
  }
}

void check(const uint8_t* data, size_t size) {
  const auto header = read_header(data, size);
  const auto stream = read_container(data, size, std::nullopt);
  // The header-only reader must agree with the full reader on every stream the latter accepts
  // (which resolves a frame count of 0 from BEND).
  if (stream.ok()) {
    if (!header.ok()) __builtin_trap();
    StreamHeader h = header.value();
    if (h.frames == 0) h.frames = stream->header.frames;
    if (!(h == stream->header)) __builtin_trap();
  }
  // A pipe and memory give the same chunks and the same first error, word for word.
  std::vector<FrameChunk> from_memory, from_pipe;
  const std::string memory_error = read_through(memory_source(data, size), from_memory);
  const std::string pipe_error = read_through(std::make_unique<PipeSource>(data, size), from_pipe);
  if (memory_error != pipe_error || from_memory.size() != from_pipe.size()) __builtin_trap();
  if (memory_error.empty() != stream.ok()) __builtin_trap();
  check_index(data, size, stream.ok() ? &stream.value() : nullptr);
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

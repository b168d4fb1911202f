// The .bsq container: round trip, layout against container_format.h and man/bsq.5, and the exact
// error for every kind of damage (truncation at each byte, each flipped bit, wrong model, ...).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "container_reader.h"
#include "container_stream.h"
#include "container_writer.h"

#ifndef BSQ_MAN_DIR
#error "define BSQ_MAN_DIR (the man/ folder) to build this test"
#endif

using namespace bsq::bitstream;
using Bytes = std::vector<uint8_t>;

namespace {

StreamHeader sample_header() {
  StreamHeader h;
  h.model_fingerprint = 0x0123456789abcdefULL;
  h.width = 64;
  h.height = 48;
  h.frames = 3;
  h.fps_num = 30000;
  h.fps_den = 1001;
  h.grid_cols = 8;  // exactly 64 / 8
  h.grid_rows = 8;  // 6 rows of picture + 2 of window padding
  h.patch = 8;
  h.bits = 18;
  return h;
}

Bytes pattern(size_t n, uint8_t seed) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + 37 * i);
  return out;
}

Container sample_container() {
  Container c;
  c.header = sample_header();
  c.metadata = {{"encoder", "bsqenc test"}, {"comment", ""}};
  c.frames.push_back({0, 2, pattern(40, 1), 0});
  c.frames.push_back({2, 1, pattern(17, 9), 0});
  return c;
}

Bytes sample_stream() { return write_container(sample_container()).value(); }

// A still image with a residual (1.4): meta, FRAM, RESI, BEND.
Container residual_container() {
  Container c;
  c.header = sample_header();
  c.header.frames = 1;
  c.header.fps_num = 0;
  c.header.fps_den = 1;
  c.metadata = {{"encoder", "bsqenc test"}};
  c.frames.push_back({0, 1, pattern(23, 4), 0});
  c.residual_step = 3 * kResidualStepOne + 64;  // 3.25
  c.residual = pattern(19, 11);
  return c;
}

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get_u32(const Bytes& b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

// A chunk laid out by hand, following man/bsq.5 rather than the writer.
void put_chunk(Bytes& out, uint32_t type, const Bytes& payload) {
  const size_t start = out.size();
  put_u32(out, type);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  put_u32(out, crc32_of(out.data() + start, out.size() - start));
}

Bytes two_u32(uint32_t a, uint32_t b) {
  Bytes out;
  put_u32(out, a);
  put_u32(out, b);
  return out;
}

Bytes frame_payload(uint32_t first, uint32_t count, const Bytes& coded) {
  Bytes out = two_u32(first, count);
  out.insert(out.end(), coded.begin(), coded.end());
  return out;
}

// The writer's header for h, version 1.0. It releases the header of a multi-frame stream with the
// first FRAM chunk (the version minor depends on it): one chunk holding every frame keeps it 1.0.
Bytes header_bytes(const StreamHeader& h = sample_header()) {
  auto w = ContainerWriter::start(h).value();
  if (h.frames > 1) REQUIRE(w.add_frames(0, h.frames, nullptr, 0).ok());
  Bytes b = w.take_bytes();
  b.resize(kHeaderSize);
  return b;
}

// Rewrites a header byte range and recomputes the header CRC, so only the field is wrong.
void patch_header(Bytes& b, size_t offset, uint32_t value, size_t size) {
  for (size_t i = 0; i < size; ++i) b[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  const size_t header_size = get_u32(b, kOffsetHeaderSize);
  const uint32_t crc = crc32_of(b.data(), header_size - 4);
  for (size_t i = 0; i < 4; ++i) b[header_size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

std::string error_of(const Bytes& b, std::optional<uint64_t> fingerprint = std::nullopt) {
  const auto c = read_container(b.data(), b.size(), fingerprint);
  return c.ok() ? "" : c.status().message();
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

struct ChunkSpan {
  size_t start, end;
  std::string type;
};

// Chunk boundaries walked from the lengths, independently of the reader.
std::vector<ChunkSpan> chunk_spans(const Bytes& b) {
  std::vector<ChunkSpan> spans;
  for (size_t pos = kHeaderSize; pos < b.size();) {
    const size_t end = pos + 12 + get_u32(b, pos + 4);
    spans.push_back({pos, end, std::string(b.begin() + pos, b.begin() + pos + 4)});
    pos = end;
  }
  return spans;
}

// ", frames a-b" as a message names a FRAM chunk of the stream `good`, read from the damaged copy
// `b`: only when its prefix still says what the stream expects there (the first frame due, a count
// that fits the header's frames), since a damaged prefix cannot be trusted to name anything.
std::string frames_named(const Bytes& good, const Bytes& b, const ChunkSpan& s) {
  if (get_u32(b, s.start) != kChunkFrames) return "";
  const uint32_t first = get_u32(b, s.start + 8), count = get_u32(b, s.start + 12);
  const uint32_t frames = get_u32(good, kOffsetFrames);
  if (first != get_u32(good, s.start + 8) || count < 1 || count > frames - first) return "";
  return ", frames " + std::to_string(first) + "-" + std::to_string(first + count - 1);
}

}  // namespace

TEST_CASE("container: header, metadata and frame chunks round trip") {
  const Container in = sample_container();
  const Bytes bytes = sample_stream();
  const auto out = read_container(bytes.data(), bytes.size(), in.header.model_fingerprint);
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  CHECK(out->header == in.header);
  REQUIRE(out->frames.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(out->frames[i].first_frame == in.frames[i].first_frame);
    CHECK(out->frames[i].frame_count == in.frames[i].frame_count);
    CHECK(out->frames[i].coded == in.frames[i].coded);
  }
  const auto spans = chunk_spans(bytes);
  REQUIRE(spans.size() == 6);  // meta, meta, FRAM, FRAM, gidx (two FRAM chunks: version 1.1), BEND
  CHECK(out->frames[0].offset == spans[2].start);
  CHECK(out->frames[1].offset == spans[3].start);
  CHECK(spans[4].type == "gidx");
  CHECK(spans[5].type == "BEND");
  CHECK(bytes[kOffsetVersionMinor] == 1);
  REQUIRE(out->metadata.size() == 2);
  CHECK(out->metadata[0].key == "encoder");
  CHECK(out->metadata[0].value == "bsqenc test");
  CHECK(out->metadata[1].value.empty());
  CHECK(read_header(bytes.data(), kHeaderSize).value() == in.header);  // bsqdec --info needs the header only

  // The streaming writer gives the same bytes as write_container, whenever its output is taken.
  auto w = ContainerWriter::start(in.header);
  REQUIRE(w.ok());
  Bytes streamed = w->take_bytes();
  for (const auto& m : in.metadata) REQUIRE(w->add_metadata(m).ok());
  for (const auto& f : in.frames) {
    REQUIRE(w->add_frames(f.first_frame, f.frame_count, f.coded.data(), f.coded.size()).ok());
    const Bytes part = w->take_bytes();
    streamed.insert(streamed.end(), part.begin(), part.end());
  }
  REQUIRE(w->finish().ok());
  const Bytes tail = w->take_bytes();
  streamed.insert(streamed.end(), tail.begin(), tail.end());
  CHECK(streamed == bytes);
  CHECK(w->bytes_written() == bytes.size());
}

TEST_CASE("container: the writer refuses what the reader would refuse") {
  auto h = sample_header();
  h.width = 0;
  CHECK(ContainerWriter::start(h).status().message() == "invalid header: width 0 at byte 24 (must be 1..32768)");
  CHECK(ContainerWriter::start(h).status().code() == bsq::StatusCode::kInvalidArgument);
  h = sample_header();
  h.grid_rows = 5;
  CHECK(ContainerWriter::start(h).status().message() ==
        "invalid header: grid rows 5 at byte 48 (must be 6..70 for height 48 and patch 8)");
  h = sample_header();
  h.patch = 6;
  CHECK(ContainerWriter::start(h).status().message() ==
        "invalid header: patch 6 at byte 52 (must be 2, 4, 8, 16 or 32)");
  h = sample_header();
  h.fps_den = 0;
  CHECK(ContainerWriter::start(h).status().message() ==
        "invalid header: frame rate denominator 0 at byte 40 (must be >= 1)");
  h = sample_header();
  h.width = h.height = 20000;
  CHECK(ContainerWriter::start(h).status().message() ==
        "invalid header: width x height 400000000 at byte 24 (at most 268435456 pixels)");

  auto w = ContainerWriter::start(sample_header()).value();
  const Bytes coded = pattern(4, 0);
  CHECK(w.add_frames(1, 1, coded.data(), coded.size()).message() ==
        "frames out of order: got frame 1, expected frame 0");
  CHECK(w.add_frames(0, 4, coded.data(), coded.size()).message() ==
        "frame count 4 at frame 0 does not fit the stream's 3 frames");
  CHECK(w.add_metadata({"bad\nkey", "x"}).message() ==
        "invalid metadata key (must be 1..79 printable ASCII characters)");
  CHECK(w.finish().message() == "cannot finish: 0 of 3 frames added");
  REQUIRE(w.add_frames(0, 3, coded.data(), coded.size()).ok());
  REQUIRE(w.finish().ok());
  CHECK(w.add_metadata({"late", "x"}).message() == "cannot add metadata after the end marker");
}

TEST_CASE("container: bytes at the offsets container_format.h names") {
  // The header fields tile bytes 0..kHeaderSize-1 with no gap, the CRC last.
  const std::vector<std::pair<size_t, size_t>> fields = {
      {kOffsetMagic, 8},       {kOffsetVersionMajor, 2}, {kOffsetVersionMinor, 2},    {kOffsetHeaderSize, 4},
      {kOffsetFingerprint, 8}, {kOffsetWidth, 4},        {kOffsetHeight, 4},          {kOffsetFrames, 4},
      {kOffsetFpsNum, 4},      {kOffsetFpsDen, 4},       {kOffsetGridCols, 4},        {kOffsetGridRows, 4},
      {kOffsetPatch, 1},       {kOffsetBits, 1},         {kOffsetColourPrimaries, 1}, {kOffsetTransfer, 1},
      {kOffsetMatrix, 1},      {kOffsetFullRange, 1},    {kOffsetBitDepth, 1},        {kOffsetReserved, 1},
      {kHeaderSize - 4, 4}};
  size_t next = 0;
  for (const auto& [offset, size] : fields) {
    CHECK(offset == next);
    next = offset + size;
  }
  CHECK(next == kHeaderSize);

  const Bytes b = sample_stream();
  CHECK(Bytes(b.begin(), b.begin() + 8) == Bytes{0x89, 'B', 'S', 'Q', 0x0D, 0x0A, 0x1A, 0x0A});
  CHECK(Bytes(b.begin(), b.begin() + 8) == Bytes(kMagic, kMagic + 8));
  CHECK(b[kOffsetVersionMajor] == kVersionMajor);
  CHECK(b[kOffsetVersionMinor] == kVersionMinorIndex);  // three frames in two GOPs: 1.1
  CHECK(get_u32(b, kOffsetHeaderSize) == kHeaderSize);
  CHECK(get_u32(b, kOffsetFingerprint) == 0x89abcdefu);
  CHECK(get_u32(b, kOffsetFingerprint + 4) == 0x01234567u);
  CHECK(get_u32(b, kOffsetWidth) == 64);
  CHECK(get_u32(b, kOffsetHeight) == 48);
  CHECK(get_u32(b, kOffsetFrames) == 3);
  CHECK(get_u32(b, kOffsetFpsNum) == 30000);
  CHECK(get_u32(b, kOffsetFpsDen) == 1001);
  CHECK(get_u32(b, kOffsetGridCols) == 8);
  CHECK(get_u32(b, kOffsetGridRows) == 8);
  CHECK(Bytes(b.begin() + kOffsetPatch, b.begin() + kHeaderSize - 4) == Bytes{8, 18, 1, 13, 0, 1, 8, 0});
  CHECK(get_u32(b, kHeaderSize - 4) == crc32_of(b.data(), kHeaderSize - 4));
  CHECK(std::string(b.begin() + kHeaderSize, b.begin() + kHeaderSize + 4) == "meta");
  CHECK(fourcc_name(kChunkFrames) == "FRAM");
  CHECK(fourcc_name(0x00ff1234) == "0x00ff1234");
  CHECK((is_ancillary(kChunkMetadata) && !is_ancillary(kChunkFrames) && !is_ancillary(kChunkEnd)));
  const char* check = "123456789";  // the CRC-32 check value man/bsq.5 gives
  CHECK(crc32_of(reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
}

namespace {

// Every bit of `good` flipped in turn: the exact error, naming the damaged part.
void check_every_bit_flipped(const Bytes& good) {
  const auto hex8 = [](uint32_t v) {
    char text[9];
    std::snprintf(text, sizeof(text), "%08x", v);
    return std::string(text);
  };
  const auto spans = chunk_spans(good);
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b = good;
      b[i] ^= static_cast<uint8_t>(1 << bit);
      const std::string e = error_of(b);
      std::string expected;  // stays empty where a damaged length leaves several outcomes
      bool named = false;
      if (i < kOffsetVersionMajor) {
        expected = i >= 1 && i <= 3
                       ? "not a .bsq file (bad magic)"
                       : "not a .bsq file (bad magic: signature bytes altered, as by a text-mode transfer)";
      } else if (i < kOffsetVersionMinor) {
        expected = "unsupported version " + std::to_string(b[8] | b[9] << 8) + "." + std::to_string(b[10]) +
                   " (this reader reads version 1.x)";
      } else if (i >= kOffsetHeaderSize && i < kOffsetHeaderSize + 4) {
        named = starts_with(e, "invalid header: header size ") ||
                starts_with(e, "truncated stream: header at byte 0 needs ") ||
                starts_with(e, "damaged header at byte 0: CRC mismatch");
      } else if (i < kHeaderSize) {
        expected = "damaged header at byte 0: CRC mismatch (stored " + hex8(get_u32(b, kHeaderSize - 4)) +
                   ", computed " + hex8(crc32_of(b.data(), kHeaderSize - 4)) + ")";
      } else {
        const auto& s = *std::find_if(spans.begin(), spans.end(), [&](const ChunkSpan& c) { return i < c.end; });
        const size_t k = static_cast<size_t>(&s - spans.data()) + 1;
        const std::string where = " at byte " + std::to_string(s.start);
        if (i >= s.start + 4 && i < s.start + 8) {  // the length: the chunk is named whatever the outcome
          named = e.find("chunk " + std::to_string(k) + " (") != std::string::npos &&
                  e.find(where) != std::string::npos &&
                  (starts_with(e, "damaged chunk ") || starts_with(e, "truncated stream: chunk ") ||
                   starts_with(e, "invalid chunk "));
        } else {
          expected = "damaged chunk " + std::to_string(k) + " (" + fourcc_name(get_u32(b, s.start)) +
                     frames_named(good, b, s) + ")" + where + ": CRC mismatch (stored " + hex8(get_u32(b, s.end - 4)) +
                     ", computed " + hex8(crc32_of(b.data() + s.start, s.end - 4 - s.start)) + ")";
        }
      }
      if (!expected.empty()) named = e == expected;
      CHECK_MESSAGE(named, "byte ", i, " bit ", bit, ": got '", e, "', expected '", expected, "'");
    }
  }
}

// `good` cut at every byte: the exact error.
void check_every_truncation(const Bytes& good) {
  const auto spans = chunk_spans(good);
  for (size_t n = 0; n < good.size(); ++n) {
    const Bytes b(good.begin(), good.begin() + n);
    std::string expected;
    if (n == 0) {
      expected = "empty input (0 bytes): not a .bsq file";
    } else if (n < kHeaderSize) {
      expected = "truncated stream: header at byte 0 needs 64 bytes, " + std::to_string(n) + " left";
    } else {
      const auto& s = *std::find_if(spans.begin(), spans.end(), [&](const ChunkSpan& c) { return n < c.end; });
      const size_t k = &s - spans.data() + 1, left = n - s.start;
      char text[160];
      if (left == 0)
        std::snprintf(text, sizeof(text), "missing end marker: stream ends at byte %zu after %zu chunks", n, k - 1);
      else if (left < 8)
        std::snprintf(text, sizeof(text), "truncated stream: chunk %zu at byte %zu needs 8 bytes, %zu left", k, s.start,
                      left);
      else
        std::snprintf(text, sizeof(text), "truncated stream: chunk %zu (%s%s) at byte %zu needs %zu bytes, %zu left", k,
                      s.type.c_str(), left >= 16 ? frames_named(good, good, s).c_str() : "", s.start, s.end - s.start,
                      left);
      expected = text;
    }
    CHECK(error_of(b) == expected);
  }
}

}  // namespace

TEST_CASE("container: every bit flipped gives the exact error, naming the damaged part") {
  check_every_bit_flipped(sample_stream());
  check_every_bit_flipped(write_container(residual_container()).value());  // with a RESI chunk (1.4)
}

TEST_CASE("container: truncated at every byte gives the exact error") {
  check_every_truncation(sample_stream());
  check_every_truncation(write_container(residual_container()).value());
  const Bytes good = sample_stream();
  CHECK(read_container(nullptr, 0, std::nullopt).status().code() == bsq::StatusCode::kInvalidData);
  const Bytes header_only(good.begin(), good.begin() + kHeaderSize);
  CHECK(read_header(header_only.data(), header_only.size()).ok());
  CHECK(error_of(header_only) == "missing end marker: stream ends at byte 64 after 0 chunks");
}

TEST_CASE("container: wrong model, version, magic and header fields") {
  Bytes b = sample_stream();
  const auto wrong = read_container(b.data(), b.size(), 0xfedcba9876543210ULL);
  CHECK(wrong.status().code() == bsq::StatusCode::kModelMismatch);
  CHECK(wrong.status().message() == "stream made with model 0123456789abcdef, this model is fedcba9876543210");

  Bytes v7 = b;
  patch_header(v7, kOffsetVersionMajor, 7, 2);
  CHECK(read_container(v7.data(), v7.size(), std::nullopt).status().code() == bsq::StatusCode::kUnsupported);
  CHECK(error_of(v7) == "unsupported version 7.1 (this reader reads version 1.x)");

  Bytes text_mode = b;  // CR LF -> LF, as a text-mode copy on Windows would do
  text_mode.erase(text_mode.begin() + 4);
  CHECK(error_of(text_mode) == "not a .bsq file (bad magic: signature bytes altered, as by a text-mode transfer)");
  CHECK(error_of(Bytes{'P', 'K', 3, 4}) == "not a .bsq file (bad magic)");

  Bytes narrow = b;
  patch_header(narrow, kOffsetWidth, 0, 4);
  CHECK(error_of(narrow) == "invalid header: width 0 at byte 24 (must be 1..32768)");
  Bytes big_header = b;
  big_header[kOffsetHeaderSize] = 0x88;  // 5000 = 0x1388; checked before the CRC, which cannot be found
  big_header[kOffsetHeaderSize + 1] = 0x13;
  CHECK(error_of(big_header) == "invalid header: header size 5000 at byte 12 (must be 64..4096)");
  Bytes damaged = b;
  damaged[kOffsetFrames] ^= 1;
  CHECK(starts_with(error_of(damaged), "damaged header at byte 0: CRC mismatch (stored "));
}

TEST_CASE("container: a 1.x stream with a longer header and unknown chunks") {
  // Version 1.1 appends 8 bytes of header fields: a 1.0 reader checks them with the CRC and skips them.
  Bytes b = header_bytes();
  b.insert(b.begin() + kHeaderSize - 4, 8, 0xAB);
  patch_header(b, kOffsetVersionMinor, 1, 2);
  patch_header(b, kOffsetHeaderSize, kHeaderSize + 8, 4);
  put_chunk(b, fourcc("zzZZ"), pattern(5, 3));  // ancillary: skipped
  put_chunk(b, kChunkFrames, frame_payload(0, 3, pattern(9, 2)));
  put_chunk(b, kChunkEnd, two_u32(3, 1));
  const auto c = read_container(b.data(), b.size(), std::nullopt);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->header == sample_header());
  REQUIRE(c->frames.size() == 1);
  CHECK(c->frames[0].offset == kHeaderSize + 8 + 17);

  Bytes critical = header_bytes();
  put_chunk(critical, fourcc("QUUX"), pattern(5, 3));
  const auto refused = read_container(critical.data(), critical.size(), std::nullopt);
  CHECK(refused.status().code() == bsq::StatusCode::kUnsupported);
  CHECK(refused.status().message() == "unknown critical chunk 1 (QUUX) at byte 64");
}

TEST_CASE("container: chunk contents that contradict the header or each other") {
  const auto stream = [](std::vector<std::pair<const char*, Bytes>> chunks) {
    Bytes b = header_bytes();
    for (const auto& [type, payload] : chunks) put_chunk(b, get_u32(Bytes(type, type + 4), 0), payload);
    return error_of(b);
  };
  const Bytes x = pattern(3, 0);
  CHECK(stream({{"FRAM", frame_payload(0, 3, x)}}) == "missing end marker: stream ends at byte 87 after 1 chunks");
  CHECK(stream({{"FRAM", frame_payload(0, 3, x)}, {"BEND", two_u32(3, 1)}}) == "");
  CHECK(stream({{"FRAM", frame_payload(1, 2, x)}}) ==
        "frames out of order: chunk 1 (FRAM) at byte 64 starts at frame 1, expected frame 0");
  CHECK(stream({{"FRAM", frame_payload(0, 1, x)}, {"FRAM", frame_payload(0, 2, x)}}) ==
        "frames out of order: chunk 2 (FRAM) at byte 87 starts at frame 0, expected frame 1");
  CHECK(stream({{"FRAM", frame_payload(0, 0, x)}}) ==
        "invalid chunk 1 (FRAM) at byte 64: 0 frames from frame 0, the stream has 3 frames");
  CHECK(stream({{"FRAM", frame_payload(0, 4, x)}}) ==
        "invalid chunk 1 (FRAM) at byte 64: 4 frames from frame 0, the stream has 3 frames");
  CHECK(stream({{"FRAM", Bytes(7)}}) ==
        "invalid chunk 1 (FRAM) at byte 64: payload of 7 bytes, shorter than its 8-byte frame prefix");
  CHECK(stream({{"FRAM", frame_payload(0, 2, x)}, {"BEND", two_u32(2, 1)}}) ==
        "missing frames: end marker, chunk 2 (BEND) at byte 87, after 2 of 3 frames");
  CHECK(stream({{"FRAM", frame_payload(0, 3, x)}, {"BEND", two_u32(3, 2)}}) ==
        "invalid end marker, chunk 2 (BEND) at byte 87: counts 3 frames in 2 FRAM chunks, the stream has 3 in 1");
  CHECK(stream({{"FRAM", frame_payload(0, 3, x)}, {"BEND", Bytes(4)}}) ==
        "invalid end marker, chunk 2 (BEND) at byte 87: payload of 4 bytes, expected 8");
  CHECK(stream({{"FRAM", frame_payload(0, 3, x)}, {"BEND", two_u32(3, 1)}, {"meta", Bytes{'k', 0}}}) ==
        "trailing data: 14 bytes after the end marker, chunk 2 (BEND) at byte 87");
  CHECK(stream({{"meta", Bytes{'k', 'e', 'y'}}}) == "invalid chunk 1 (meta) at byte 64: no NUL after the key");
  CHECK(stream({{"meta", Bytes{0, 'v'}}}) ==
        "invalid chunk 1 (meta) at byte 64: invalid metadata key (must be 1..79 printable ASCII characters)");

  Bytes huge = header_bytes();  // a length over the cap is refused before it is compared with anything
  put_u32(huge, kChunkFrames);
  put_u32(huge, 0xFFFFFFF0u);
  CHECK(error_of(huge) ==
        "invalid chunk 1 (FRAM) at byte 64: payload length 4294967280 over the cap of 1073741824 bytes");
}

namespace {

std::string man_text() {
  std::ifstream in(BSQ_MAN_DIR "/bsq.5");
  REQUIRE_MESSAGE(in.good(), "cannot open " BSQ_MAN_DIR "/bsq.5");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// The lines of the .EX block after `.\" layout: name` in man/bsq.5, with "\-" undone to "-".
std::vector<std::string> man_table(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  bool found = false, inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == ".\\\" layout: " + name)
      found = true;
    else if (found && !inside && line == ".EX")
      inside = true;
    else if (inside && line == ".EE")
      break;
    else if (inside) {
      for (size_t at; (at = line.find("\\-")) != std::string::npos;) line.erase(at, 1);
      lines.push_back(line);
    }
  }
  REQUIRE_MESSAGE(lines.size() > 1, "no table '", name, "' in bsq.5");
  return lines;
}

// "offset|size|type|field|valid values" per row: Offset, Size and Type are separated by spaces,
// Field and Valid values are the columns under their titles.
std::vector<std::string> layout_rows(const std::string& text, const std::string& name) {
  const auto lines = man_table(text, name);
  const size_t field_col = lines[0].find("Field"), values_col = lines[0].find("Valid values");
  std::vector<std::string> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::istringstream lead(line.substr(0, field_col));
    std::string offset, size, type;
    lead >> offset >> size >> type;
    const std::string field =
        line.substr(field_col, values_col == std::string::npos ? values_col : values_col - field_col);
    const std::string values =
        values_col != std::string::npos && line.size() > values_col ? line.substr(values_col) : "";
    rows.push_back(offset + "|" + size + "|" + type + "|" + trim(field) + "|" + trim(values));
  }
  return rows;
}

std::string row(size_t offset, size_t size, const std::string& type, const std::string& field,
                const std::string& values) {
  return std::to_string(offset) + "|" + std::to_string(size) + "|" + type + "|" + field + "|" + values;
}

void check_rows(const std::vector<std::string>& man, const std::vector<std::string>& code) {
  CHECK(man.size() == code.size());
  for (size_t i = 0; i < std::min(man.size(), code.size()); ++i) CHECK(man[i] == code[i]);
}

}  // namespace

TEST_CASE("container: man/bsq.5 states the magic, version and layout of container_format.h") {
  const std::string text = man_text();
  const auto n = [](uint64_t v) { return std::to_string(v); };
  const std::string version = n(kVersionMajor) + "." + n(kVersionMinor);
  std::string magic;
  for (uint8_t byte : kMagic) {
    char hex[4];
    std::snprintf(hex, sizeof(hex), "%s%02X", magic.empty() ? "" : " ", byte);
    magic += hex;
  }
  CHECK(text.find("This page specifies format version\n.BR " + version + " .") != std::string::npos);

  const std::string side = "1.." + n(kMaxDimension);
  check_rows(
      layout_rows(text, "header"),
      {row(kOffsetMagic, 8, "u8[8]", "magic", magic),
       row(kOffsetVersionMajor, 2, "u16", "version major", n(kVersionMajor)),
       row(kOffsetVersionMinor, 2, "u16", "version minor", "any (" + n(kVersionMinor) + " in version " + version + ")"),
       row(kOffsetHeaderSize, 4, "u32", "header size",
           n(kHeaderSize) + ".." + n(kMaxHeaderSize) + " (" + n(kHeaderSize) + " in version " + version + ")"),
       row(kOffsetFingerprint, 8, "u64", "model fingerprint", "any"),
       row(kOffsetWidth, 4, "u32", "width", side),
       row(kOffsetHeight, 4, "u32", "height", side),
       row(kOffsetFrames, 4, "u32", "frame count", "0.." + n(kMaxFrames)),
       row(kOffsetFpsNum, 4, "u32", "frame rate numerator", "any (0: still image or unknown)"),
       row(kOffsetFpsDen, 4, "u32", "frame rate denominator", "1..4294967295"),
       row(kOffsetGridCols, 4, "u32", "grid columns", "see below"),
       row(kOffsetGridRows, 4, "u32", "grid rows", "see below"),
       row(kOffsetPatch, 1, "u8", "patch", "2, 4, 8, 16 or 32"),
       row(kOffsetBits, 1, "u8", "bits per token", "1..64"),
       row(kOffsetColourPrimaries, 1, "u8", "colour primaries", "any (H.273)"),
       row(kOffsetTransfer, 1, "u8", "transfer", "any (H.273)"),
       row(kOffsetMatrix, 1, "u8", "matrix", "any (H.273)"),
       row(kOffsetFullRange, 1, "u8", "full range", "0 or 1"),
       row(kOffsetBitDepth, 1, "u8", "bit depth", "1.." + n(kMaxBitDepth)),
       row(kOffsetReserved, 1, "u8", "reserved", "written 0, ignored"),
       row(kHeaderSize - 4, 4, "u32", "header CRC", "CRC-32 of bytes 0.." + n(kHeaderSize - 5))});
  for (uint32_t p = 0; p <= 64; ++p) CHECK(valid_patch(p) == (p == 2 || p == 4 || p == 8 || p == 16 || p == 32));

  const std::string head = n(kChunkHeadSize);
  check_rows(
      layout_rows(text, "chunk"),
      {"0|4|u8[4]|type (FourCC)|", "4|4|u32|payload length n, 0.." + n(kMaxChunkPayload) + "|", head + "|n||payload|",
       head + "+n|" + n(kChunkCrcSize) + "|u32|CRC-32 of bytes 0.." + n(kChunkHeadSize - 1) +
           "+n of the chunk (type, length, payload)|"});
  check_rows(layout_rows(text, "FRAM"), {"0|4|u32|first frame, counting from 0|", "4|4|u32|frame count, at least 1|",
                                         n(kFramePrefixSize) + "|n-" + n(kFramePrefixSize) + "|u8[]|coded tokens|"});
  check_rows(layout_rows(text, "BEND"), {"0|4|u32|total frames in the stream's FRAM chunks (the header's frame count)|",
                                         "4|4|u32|number of FRAM chunks|"});
  CHECK(kEndPayloadSize == 8);
  check_rows(
      layout_rows(text, "gidx"),
      {"0|4|u32|entry count N|", "4|" + n(kIndexEntrySize) + "N||N entries, in frame order:|",
       "|||u32 first frame, u32 frame count, u64 chunk offset|",
       "4+" + n(kIndexEntrySize) + "N|4|u32|payload length, " + n(kIndexFixedSize) + "+" + n(kIndexEntrySize) + "N|"});
  CHECK(kEndChunkSize == 20);
  CHECK(text.find("BEND is always the last 20 bytes (8 of head, 8 of\npayload, 4 of CRC)") != std::string::npos);
  CHECK(text.find(".IR size \\(mi32\\(mi n .") != std::string::npos);  // 20 + CRC 4 + head 8
  CHECK(text.find("writes version minor 1 exactly when") != std::string::npos);
  CHECK(kVersionMinorIndex == 1);
  check_rows(layout_rows(text, "WBIT"),
             {"0|" + n(kWindowBitsPayloadSize) + "|u32|window side in tokens, 1.." + n(kMaxBitsWindow) + "|"});
  CHECK(text.find("writes version minor 2 exactly when") != std::string::npos);
  CHECK(kVersionMinorWindowBits == 2);
  check_rows(layout_rows(text, "PRIO"),
             {"0|" + n(kPriorPayloadSize) + "|u32|prior revision N, at least " + n(kPriorWithoutChunk + 1) + "|"});
  CHECK(text.find("writes version minor 3 exactly when") != std::string::npos);
  CHECK(kVersionMinorPrior == 3);
  check_rows(layout_rows(text, "RESI"),
             {"0|" + n(kResidualPrefixSize) + "|u32|quantiser step in 1/" + n(kResidualStepOne) + " units, 1.." +
                  n(kMaxResidualStep) + "|",
              n(kResidualPrefixSize) + "|n-" + n(kResidualPrefixSize) + "|u8[]|coded coefficients|"});
  CHECK(text.find("writes version minor 4 exactly when") != std::string::npos);
  CHECK(kVersionMinorResidual == 4);
  check_rows(layout_rows(text, "FILT"), {"0|n|u8[]|coded filter parameters, n >= 1|"});
  CHECK(text.find("writes version minor 5 exactly when") != std::string::npos);
  CHECK(kVersionMinorFilter == 5);
  CHECK(kVersionMinor == kVersionMinorFilter);
  for (uint32_t type : {kChunkFrames, kChunkMetadata, kChunkWindowBits, kChunkPrior, kChunkResidual, kChunkFilter,
                        kChunkIndex, kChunkEnd}) {
    const std::string title = ".SS " + fourcc_name(type) + (is_ancillary(type) ? " (ancillary)" : " (critical)");
    CHECK_MESSAGE(text.find(title) != std::string::npos, title);
  }

  std::map<std::string, std::string> caps;
  const auto cap_lines = man_table(text, "caps");
  for (size_t i = 1; i < cap_lines.size(); ++i) {
    const size_t col = cap_lines[0].find("Cap");
    caps[trim(cap_lines[i].substr(0, col))] = trim(cap_lines[i].substr(col));
  }
  CHECK(caps == std::map<std::string, std::string>{{"width, height", n(kMaxDimension)},
                                                   {"width x height", n(kMaxPixelsPerFrame)},
                                                   {"frame count", n(kMaxFrames)},
                                                   {"header size", n(kMaxHeaderSize)},
                                                   {"chunk payload length", n(kMaxChunkPayload)},
                                                   {"grid padding (tokens)", n(kMaxGridPadding)},
                                                   {"metadata chunks", n(kMaxMetadataChunks)},
                                                   {"metadata key length", n(kMaxMetadataKey)}});
}

TEST_CASE("container: the man page's example dump is what the writer writes") {
  Container c;
  c.header.model_fingerprint = 0x0123456789abcdefULL;
  c.header.width = c.header.height = 16;
  c.header.grid_cols = c.header.grid_rows = 2;
  c.header.patch = 8;
  c.header.bits = 32;
  c.frames.push_back({0, 1, {0xde, 0xad, 0xbe, 0xef}, 0});
  const Bytes b = write_container(c).value();
  std::vector<std::string> dump;
  for (size_t i = 0; i < b.size(); i += 16) {
    char line[80];
    int at = std::snprintf(line, sizeof(line), "%04zu:", i);
    for (size_t j = i; j < std::min(b.size(), i + 16); ++j)
      at += std::snprintf(line + at, sizeof(line) - at, " %02x", b[j]);
    dump.push_back(line);
  }
  check_rows(man_table(man_text(), "example"), dump);
  CHECK(read_container(b.data(), b.size(), 0x0123456789abcdefULL).ok());
}

// --- Version 1.1: GOPs, frame count 0, the gidx index, ChunkReader ---------------------------------
namespace {

// A 10-frame clip in GOPs of 4, 4 and 2 frames, with a metadata entry.
Container video_container(uint32_t header_frames = 10) {
  Container c;
  c.header = sample_header();
  c.header.frames = header_frames;
  c.metadata = {{"encoder", "bsqenc video test"}};
  c.frames.push_back({0, 4, pattern(50, 3), 0});
  c.frames.push_back({4, 4, pattern(31, 5), 0});
  c.frames.push_back({8, 2, pattern(12, 7), 0});
  return c;
}

uint64_t get_u64(const Bytes& b, size_t at) { return get_u32(b, at) | uint64_t{get_u32(b, at + 4)} << 32; }

// A memory source that cannot seek and hands out at most 7 bytes a read, as a slow pipe may.
class TricklePipe : public ByteSource {
 public:
  explicit TricklePipe(const Bytes& b) : bytes_(b) {}
  bsq::StatusOr<size_t> read(uint8_t* dst, size_t n) override {
    const size_t got = std::min({n, size_t{7}, bytes_.size() - at_});
    std::copy(bytes_.begin() + at_, bytes_.begin() + at_ + got, dst);
    at_ += got;
    return got;
  }
  bool seekable() const override { return false; }
  uint64_t size() const override { return 0; }
  bsq::Status seek(uint64_t) override { return {bsq::StatusCode::kUnsupported, "pipe"}; }
  uint64_t position() const override { return at_; }

 private:
  Bytes bytes_;
  size_t at_ = 0;
};

struct ReadBack {
  std::vector<FrameChunk> frames;
  std::vector<Metadata> metadata;
  std::string error;
};

ReadBack read_all(std::unique_ptr<ByteSource> source, std::optional<uint64_t> fingerprint = std::nullopt) {
  ReadBack out;
  auto reader = ChunkReader::open(std::move(source), fingerprint);
  if (!reader.ok()) return {{}, {}, reader.status().message()};
  while (true) {
    auto chunk = reader->next_frames();
    if (!chunk.ok()) return {out.frames, {}, chunk.status().message()};
    if (!chunk.value().has_value()) break;
    out.frames.push_back(*chunk.value());
  }
  out.metadata = reader->metadata();
  auto again = reader->next_frames();  // after the end: still the end
  if (!again.ok() || again.value().has_value()) out.error = "next_frames() after the end did not say so";
  return out;
}

void check_frames(const std::vector<FrameChunk>& got, const Container& want, const Bytes& stream) {
  REQUIRE(got.size() == want.frames.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].first_frame == want.frames[i].first_frame);
    CHECK(got[i].frame_count == want.frames[i].frame_count);
    CHECK(got[i].coded == want.frames[i].coded);
    CHECK(std::string(stream.begin() + got[i].offset, stream.begin() + got[i].offset + 4) == "FRAM");
  }
}

struct TempFile {
  std::string path;
  explicit TempFile(const Bytes& b) {
    char name[] = "/tmp/bsq_test_XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, b.data(), b.size()) == static_cast<ssize_t>(b.size()));
    close(fd);
    path = name;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("container 1.1: GOPs round trip with a gidx index before BEND") {
  const Container in = video_container();
  const Bytes b = write_container(in).value();
  CHECK(get_u32(b, kOffsetVersionMinor) % 65536 == 1);
  const auto spans = chunk_spans(b);
  REQUIRE(spans.size() == 6);  // meta, FRAM x 3, gidx, BEND
  CHECK(spans[4].type == "gidx");
  CHECK(spans[5].type == "BEND");
  CHECK(b.size() - spans[5].start == kEndChunkSize);
  // The index laid out as man/bsq.5 says: N, N entries, its own length; found from the end.
  const size_t payload = spans[4].start + 8, length = get_u32(b, spans[4].start + 4);
  CHECK(length == 8 + 3 * 16);
  CHECK(get_u32(b, b.size() - 28) == length);
  CHECK(b.size() - 32 - length == spans[4].start);
  REQUIRE(get_u32(b, payload) == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(get_u32(b, payload + 4 + 16 * i) == in.frames[i].first_frame);
    CHECK(get_u32(b, payload + 8 + 16 * i) == in.frames[i].frame_count);
    CHECK(get_u64(b, payload + 12 + 16 * i) == spans[1 + i].start);
  }
  CHECK(get_u32(b, spans[5].start + 8) == 10);
  CHECK(get_u32(b, spans[5].start + 12) == 3);

  const auto c = read_container(b.data(), b.size(), in.header.model_fingerprint);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->header == in.header);
  check_frames(c->frames, in, b);
  REQUIRE(c->metadata.size() == 1);
  CHECK(c->metadata[0].value == "bsqenc video test");

  // The same through a ChunkReader: on memory, on a file, through a pipe (trickling and real).
  const ReadBack mem = read_all(memory_source(b.data(), b.size()), in.header.model_fingerprint);
  CHECK(mem.error == "");
  check_frames(mem.frames, in, b);
  CHECK(mem.metadata.size() == 1);
  const TempFile file(b);
  auto source = open_file_source(file.path);
  REQUIRE(source.ok());
  CHECK(source.value()->seekable());
  CHECK(source.value()->size() == b.size());
  const ReadBack from_file = read_all(std::move(source.value()));
  CHECK(from_file.error == "");
  check_frames(from_file.frames, in, b);
  const ReadBack piped = read_all(std::make_unique<TricklePipe>(b));
  CHECK(piped.error == "");
  check_frames(piped.frames, in, b);

  // A FIFO: open_file_source sees with fstat that it cannot seek, and reads it front to back.
  const std::string fifo = file.path + ".fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::FILE* w = std::fopen(fifo.c_str(), "wb");
    const bool ok = w != nullptr && std::fwrite(b.data(), 1, b.size(), w) == b.size();
    if (w) std::fclose(w);
    _exit(ok ? 0 : 1);
  }
  auto fifo_source = open_file_source(fifo);
  REQUIRE(fifo_source.ok());
  CHECK_FALSE(fifo_source.value()->seekable());
  auto reader = ChunkReader::open(std::move(fifo_source.value()), std::nullopt);
  REQUIRE(reader.ok());
  CHECK(reader->read_index().status().code() == bsq::StatusCode::kUnsupported);
  CHECK(reader->seek_to({4, 4, spans[2].start}).code() == bsq::StatusCode::kUnsupported);
  std::vector<uint32_t> firsts;
  for (auto chunk = reader->next_frames(); chunk.ok() && chunk.value().has_value(); chunk = reader->next_frames())
    firsts.push_back(chunk.value()->first_frame);
  CHECK(firsts == std::vector<uint32_t>{0, 4, 8});
  int status = 0;
  waitpid(child, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  std::remove(fifo.c_str());

  CHECK(open_file_source("/nonexistent/clip.bsq").status().code() == bsq::StatusCode::kIoError);
  CHECK(open_file_source("/nonexistent/clip.bsq").status().message() ==
        "cannot open /nonexistent/clip.bsq: No such file or directory");
}

TEST_CASE("container 1.1: a header frame count of 0, resolved by BEND") {
  const Container in = video_container(0);
  const Bytes b = write_container(in).value();
  CHECK(b[kOffsetVersionMinor] == 1);
  CHECK(get_u32(b, kOffsetFrames) == 0);
  const auto c = read_container(b.data(), b.size(), std::nullopt);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->header.frames == 10);  // from BEND
  check_frames(c->frames, in, b);
  auto reader = ChunkReader::open(memory_source(b.data(), b.size()), std::nullopt);
  REQUIRE(reader.ok());
  CHECK(reader->header().frames == 0);  // the header as stored
  CHECK(reader->version_minor() == 1);
  const auto index = reader->read_index();
  REQUIRE(index.ok());
  REQUIRE(index.value().has_value());
  CHECK(index.value()->total_frames == 10);

  // One GOP of unknown length: still 1.1 (frame count 0), but no index.
  Container one = in;
  one.frames = {{0, 5, pattern(9, 1), 0}};
  const Bytes single = write_container(one).value();
  CHECK(single[kOffsetVersionMinor] == 1);
  CHECK(chunk_spans(single).size() == 3);  // meta, FRAM, BEND
  CHECK(read_container(single.data(), single.size(), std::nullopt).value().header.frames == 5);
  auto single_reader = ChunkReader::open(memory_source(single.data(), single.size()), std::nullopt);
  REQUIRE(single_reader.ok());
  const auto no_index = single_reader->read_index();
  REQUIRE(no_index.ok());
  CHECK_FALSE(no_index.value().has_value());

  // The writer: any number of frames up to the cap, at least one by the end.
  auto w = ContainerWriter::start(in.header).value();
  CHECK(w.finish().message() == "cannot finish: no frames added");
  CHECK(w.add_frames(0, kMaxFrames + 1, nullptr, 0).message() ==
        "frame count 100001 at frame 0 does not fit the cap of 100000 frames");
  REQUIRE(w.add_frames(0, kMaxFrames, nullptr, 0).ok());
  REQUIRE(w.finish().ok());

  // Frame count 0 is a 1.1 feature: a 1.0 header with it is refused.
  Bytes old = b;
  patch_header(old, kOffsetVersionMinor, 0, 2);
  CHECK(error_of(old) == "invalid header: frame count 0 at byte 32 (must be 1..100000 in version 1.0)");
  // A stream of no frames at all.
  Bytes empty = header_bytes();
  patch_header(empty, kOffsetVersionMinor, 1, 2);
  patch_header(empty, kOffsetFrames, 0, 4);
  put_chunk(empty, kChunkEnd, two_u32(0, 0));
  CHECK(error_of(empty) == "missing frames: end marker, chunk 1 (BEND) at byte 64, before any frame");
}

TEST_CASE("container 1.1: read_index and seek_to every GOP, on memory and on a file") {
  const Container in = video_container();
  const Bytes b = write_container(in).value();
  const auto spans = chunk_spans(b);
  const TempFile file(b);
  for (int on_file = 0; on_file < 2; ++on_file) {
    auto source = on_file ? std::move(open_file_source(file.path).value()) : memory_source(b.data(), b.size());
    auto reader = ChunkReader::open(std::move(source), std::nullopt);
    REQUIRE(reader.ok());
    // read_index leaves the read position where it was: reading from the start still works.
    auto first = reader->next_frames();
    REQUIRE(first.ok());
    REQUIRE(first.value().has_value());
    CHECK(first.value()->first_frame == 0);
    const auto index = reader->read_index();
    REQUIRE_MESSAGE(index.ok(), index.status().message());
    REQUIRE(index.value().has_value());
    const StreamIndex& idx = *index.value();
    CHECK(idx.total_frames == 10);
    REQUIRE(idx.gops.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(idx.gops[i].first_frame == in.frames[i].first_frame);
      CHECK(idx.gops[i].frame_count == in.frames[i].frame_count);
      CHECK(idx.gops[i].offset == spans[1 + i].start);
    }
    auto second = reader->next_frames();
    REQUIRE(second.ok());
    CHECK(second.value()->first_frame == 4);
    for (uint32_t f = 0; f < 10; ++f) CHECK(idx.gop_of(f).first_frame == (f < 4 ? 0u : f < 8 ? 4u : 8u));

    // Each GOP, in an order that jumps both ways; after a seek the stream reads on to BEND.
    for (size_t g : {2, 0, 1, 2, 1}) {
      REQUIRE(reader->seek_to(idx.gops[g]).ok());
      auto chunk = reader->next_frames();
      REQUIRE_MESSAGE(chunk.ok(), chunk.status().message());
      REQUIRE(chunk.value().has_value());
      CHECK(chunk.value()->first_frame == in.frames[g].first_frame);
      CHECK(chunk.value()->coded == in.frames[g].coded);
      size_t more = 0;
      for (;;) {
        auto next = reader->next_frames();
        REQUIRE_MESSAGE(next.ok(), next.status().message());
        if (!next.value().has_value()) break;
        CHECK(next.value()->first_frame == in.frames[g + 1 + more].first_frame);
        ++more;
      }
      CHECK(more == 2 - g);
    }
    // An entry that is not the chunk at its offset is refused when read.
    REQUIRE(reader->seek_to({4, 3, idx.gops[1].offset}).ok());
    CHECK(reader->next_frames().status().message() ==
          "invalid chunk (FRAM, frames 4-6) at byte " + std::to_string(spans[2].start) +
              ": the chunk codes 4 frames from frame 4, not the GOP seeked to");
    REQUIRE(reader->seek_to({0, 4, spans[0].start}).ok());
    CHECK(reader->next_frames().status().message() ==
          "invalid chunk (meta) at byte 64: the seek target is not the FRAM chunk of frames 0-3");
    CHECK(reader->seek_to({0, 4, b.size()}).code() == bsq::StatusCode::kInvalidData);
  }

  // A 1.0 stream has no index; neither has a stream of one FRAM chunk.
  Bytes old = header_bytes();
  put_chunk(old, kChunkFrames, frame_payload(0, 1, pattern(3, 0)));
  put_chunk(old, kChunkFrames, frame_payload(1, 2, pattern(3, 0)));
  put_chunk(old, kChunkEnd, two_u32(3, 2));
  auto reader = ChunkReader::open(memory_source(old.data(), old.size()), std::nullopt);
  REQUIRE(reader.ok());
  const auto none = reader->read_index();
  REQUIRE(none.ok());
  CHECK_FALSE(none.value().has_value());
}

TEST_CASE("container 1.1: a damaged index is refused with a clear message") {
  const Bytes good = write_container(video_container()).value();
  const auto spans = chunk_spans(good);
  const ChunkSpan& gidx = spans[4];
  const std::string at = std::to_string(gidx.start);
  const auto index_error = [](const Bytes& b) {
    auto reader = ChunkReader::open(memory_source(b.data(), b.size()), std::nullopt);
    REQUIRE(reader.ok());
    const auto index = reader->read_index();
    CHECK((index.ok() || index.status().code() == bsq::StatusCode::kInvalidData));
    return index.ok() ? std::string() : index.status().message();
  };
  for (size_t i = gidx.start; i < gidx.end; ++i) {
    Bytes b = good;
    b[i] ^= 0x10;
    const std::string e = index_error(b);
    // The type, length or trailing length: the chunk before BEND is no longer where an index is.
    const bool moved = i < gidx.start + 8 || (i >= gidx.end - 8 && i < gidx.end - 4);
    if (moved)
      CHECK_MESSAGE(starts_with(e, "missing index: no gidx chunk ends before the end marker at byte " +
                                       std::to_string(spans[5].start) + ", and this 1.1 stream has 3 FRAM chunks"),
                    "byte ", i, ": ", e);
    else
      CHECK_MESSAGE(starts_with(e, "damaged index chunk (gidx) at byte " + at + ": CRC mismatch (stored "), "byte ", i,
                    ": ", e);
    // Read in order, the same damage names chunk 5 (a damaged length may also make it truncated).
    const std::string in_order = error_of(b);
    CHECK_MESSAGE((starts_with(in_order, "damaged chunk 5 (") || starts_with(in_order, "truncated stream: chunk 5 (") ||
                   starts_with(in_order, "invalid chunk 5 (")),
                  "byte ", i, ": ", in_order);
  }
  // Entries that disagree with the stream, the CRC made right: read_index and the reader both say so.
  Bytes wrong = good;
  wrong[gidx.start + 8 + 4 + 16 + 8] += 1;  // entry 2's offset
  const uint32_t crc = crc32_of(wrong.data() + gidx.start, gidx.end - 4 - gidx.start);
  for (size_t k = 0; k < 4; ++k) wrong[gidx.end - 4 + k] = static_cast<uint8_t>(crc >> (8 * k));
  const std::string o = std::to_string(spans[2].start);
  CHECK(error_of(wrong) == "invalid chunk 5 (gidx) at byte " + at + ": entry 2 says 4 frames from frame 4 at byte " +
                               std::to_string(spans[2].start + 1) + ", the FRAM chunk there is frames 4-7 at byte " +
                               o);
  auto reader = ChunkReader::open(memory_source(wrong.data(), wrong.size()), std::nullopt);
  REQUIRE(reader.ok());
  const auto index = reader->read_index();
  REQUIRE(index.ok());  // the offsets still increase and lie inside the stream: seeking tells
  REQUIRE(reader->seek_to(index.value()->gops[1]).ok());
  CHECK(reader->next_frames().status().code() == bsq::StatusCode::kInvalidData);

  Bytes gap = good;  // entry 2 says frames 5.., so the entries no longer tile the frames
  gap[gidx.start + 8 + 4 + 16] += 1;
  const uint32_t crc2 = crc32_of(gap.data() + gidx.start, gidx.end - 4 - gidx.start);
  for (size_t k = 0; k < 4; ++k) gap[gidx.end - 4 + k] = static_cast<uint8_t>(crc2 >> (8 * k));
  CHECK(index_error(gap) == "invalid index chunk (gidx) at byte " + at +
                                ": entry 2 says 4 frames from frame 5, expected frames from 4 within the 10 of the "
                                "stream");

  // Only BEND may follow the index.
  Bytes late = good;
  Bytes tail(late.begin() + spans[5].start, late.end());
  late.resize(spans[5].start);
  put_chunk(late, kChunkMetadata, Bytes{'k', 0});
  late.insert(late.end(), tail.begin(), tail.end());
  CHECK(error_of(late) ==
        "invalid chunk 5 (gidx) at byte " + at + ": chunk 6 (meta) follows it, only the end marker may");
}

TEST_CASE("container 1.1: a stream cut in its last GOP names the frames it loses") {
  const Container in = video_container();
  const Bytes good = write_container(in).value();
  const auto spans = chunk_spans(good);
  const ChunkSpan& last = spans[3];
  const Bytes cut(good.begin(), good.begin() + last.start + 30);
  const std::string expected = "truncated stream: chunk 4 (FRAM, frames 8-9) at byte " + std::to_string(last.start) +
                               " needs " + std::to_string(last.end - last.start) + " bytes, 30 left";
  CHECK(error_of(cut) == expected);
  const TempFile file(cut);
  CHECK(read_all(std::move(open_file_source(file.path).value())).error == expected);
  const ReadBack piped = read_all(std::make_unique<TricklePipe>(cut));
  CHECK(piped.error == expected);
  CHECK(piped.frames.size() == 2);  // the GOPs before the cut were delivered
  auto reader = ChunkReader::open(memory_source(cut.data(), cut.size()), std::nullopt);
  REQUIRE(reader.ok());
  CHECK(reader->read_index().status().message() == "missing end marker: the last 20 bytes (from byte " +
                                                       std::to_string(cut.size() - 20) +
                                                       ") are not a BEND chunk; the stream is cut or damaged");
  // Cut exactly after a GOP: BEND's absence is named.
  const Bytes at_boundary(good.begin(), good.begin() + last.start);
  CHECK(error_of(at_boundary) ==
        "missing end marker: stream ends at byte " + std::to_string(last.start) + " after 3 chunks");
}

TEST_CASE("container 1.1: one FRAM chunk stays a byte-identical 1.0 stream") {
  // By hand, as a 1.0 writer laid it out: header (minor 0), FRAM, BEND; no index.
  for (uint32_t frames : {1u, 3u}) {
    StreamHeader h = sample_header();
    h.frames = frames;
    Bytes by_hand = header_bytes(h);
    CHECK(get_u32(by_hand, kOffsetVersionMinor) % 65536 == 0);
    put_chunk(by_hand, kChunkFrames, frame_payload(0, frames, pattern(21, 4)));
    put_chunk(by_hand, kChunkEnd, two_u32(frames, 1));
    Container c;
    c.header = h;
    c.frames.push_back({0, frames, pattern(21, 4), 0});
    CHECK(write_container(c).value() == by_hand);
    // Streamed, taking the bytes after every call: the same bytes.
    auto w = ContainerWriter::start(h).value();
    Bytes streamed = w.take_bytes();
    CHECK(streamed.size() == (frames == 1 ? kHeaderSize : 0));  // a multi-frame header waits for its first GOP
    REQUIRE(w.add_frames(0, frames, c.frames[0].coded.data(), c.frames[0].coded.size()).ok());
    Bytes part = w.take_bytes();
    streamed.insert(streamed.end(), part.begin(), part.end());
    REQUIRE(w.finish().ok());
    part = w.take_bytes();
    streamed.insert(streamed.end(), part.begin(), part.end());
    CHECK(streamed == by_hand);
  }
}

// --- Version 1.2: the WBIT chunk -----------------------------------------------------------------

TEST_CASE("container 1.2: a WBIT chunk round trips, makes the stream 1.2 and is laid out as the man page says") {
  StreamHeader h = sample_header();
  h.frames = 1;
  Container c;
  c.header = h;
  c.bits_window = 8;
  c.metadata.push_back({"encoder", "test"});
  c.frames.push_back({0, 1, pattern(30, 7), 0});
  const Bytes b = write_container(c).value();
  CHECK(get_u32(b, kOffsetVersionMinor) % 65536 == kVersionMinorWindowBits);
  const auto spans = chunk_spans(b);
  REQUIRE(spans.size() == 4);  // WBIT, meta, FRAM, BEND
  CHECK(spans[0].type == "WBIT");
  CHECK(spans[0].end - spans[0].start == kChunkHeadSize + kWindowBitsPayloadSize + kChunkCrcSize);
  CHECK(get_u32(b, spans[0].start + kChunkHeadSize) == 8);

  // By hand, following man/bsq.5: the same bytes.
  Bytes by_hand = header_bytes(h);
  patch_header(by_hand, kOffsetVersionMinor, kVersionMinorWindowBits, 2);
  Bytes window;
  put_u32(window, 8);
  put_chunk(by_hand, kChunkWindowBits, window);
  by_hand.insert(by_hand.end(), b.begin() + static_cast<std::ptrdiff_t>(spans[1].start), b.end());
  CHECK(by_hand == b);

  const auto back = read_container(b.data(), b.size(), std::nullopt);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->bits_window == 8);
  CHECK(back->header == h);
  REQUIRE(back->frames.size() == 1);
  CHECK(back->frames[0].coded == c.frames[0].coded);

  // Without one the stream stays 1.0 and reads back 0.
  c.bits_window = 0;
  const Bytes plain = write_container(c).value();
  CHECK(get_u32(plain, kOffsetVersionMinor) % 65536 == 0);
  CHECK(read_container(plain.data(), plain.size(), std::nullopt)->bits_window == 0);

  // The streaming reader has it once the first FRAM chunk is read.
  auto reader = ChunkReader::open(memory_source(b.data(), b.size()), std::nullopt).value();
  REQUIRE(reader.next_frames().ok());
  CHECK(reader.bits_window() == 8);
}

TEST_CASE("container 1.2: the writer and the reader refuse a misplaced or malformed WBIT chunk") {
  StreamHeader h = sample_header();
  h.frames = 1;
  auto w = ContainerWriter::start(h).value();
  CHECK(w.add_bits_window(0).message() == "bits-per-window window of 0 tokens is outside 1..65536");
  CHECK(w.add_bits_window(kMaxBitsWindow + 1).message() ==
        "bits-per-window window of 65537 tokens is outside 1..65536");
  REQUIRE(w.add_metadata({"k", "v"}).ok());
  CHECK(w.add_bits_window(8).message() ==
        "the bits-per-window chunk must come once, before any frame or metadata and before anything is taken");

  const auto stream = [&](std::vector<std::pair<uint32_t, Bytes>> chunks, uint16_t minor = kVersionMinorWindowBits) {
    Bytes b = header_bytes(h);
    patch_header(b, kOffsetVersionMinor, minor, 2);
    for (const auto& [type, payload] : chunks) put_chunk(b, type, payload);
    return error_of(b);
  };
  const auto window = [](uint32_t side) {
    Bytes out;
    put_u32(out, side);
    return out;
  };
  const Bytes frame = frame_payload(0, 1, pattern(3, 1));
  const std::string after_header = std::to_string(kHeaderSize);
  CHECK(stream({{kChunkWindowBits, window(1)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}).empty());
  CHECK(
      stream({{kChunkWindowBits, window(kMaxBitsWindow)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}).empty());
  CHECK(stream({{kChunkWindowBits, window(0)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}) ==
        "invalid chunk 1 (WBIT) at byte " + after_header + ": window of 0 tokens (must be 1..65536)");
  CHECK(stream({{kChunkWindowBits, window(kMaxBitsWindow + 1)}}) ==
        "invalid chunk 1 (WBIT) at byte " + after_header + ": window of 65537 tokens (must be 1..65536)");
  CHECK(stream({{kChunkWindowBits, two_u32(8, 0)}}) ==
        "invalid chunk 1 (WBIT) at byte " + after_header + ": payload of 8 bytes, expected 4");
  CHECK(stream({{kChunkWindowBits, window(8)}, {kChunkWindowBits, window(8)}}) ==
        "invalid chunk 2 (WBIT) at byte " + std::to_string(kHeaderSize + 16) + ": a second WBIT chunk");
  CHECK(stream({{kChunkFrames, frame}, {kChunkWindowBits, window(8)}, {kChunkEnd, two_u32(1, 1)}}) ==
        "invalid chunk 2 (WBIT) at byte " + std::to_string(kHeaderSize + 12 + frame.size()) +
            ": it must come before the first FRAM chunk");
  // Streams older than 1.2 cannot have one: a writer of them did not know it.
  for (const uint16_t minor : {0, 1})
    CHECK(stream({{kChunkWindowBits, window(8)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}, minor) ==
          "invalid chunk 1 (WBIT) at byte " + after_header + ": a stream of version 1." + std::to_string(minor) +
              " has none (1.2 added it)");
}

TEST_CASE("container 1.3: a PRIO chunk names the prior revision; without one it is revision 1") {
  StreamHeader h = sample_header();
  h.frames = 1;
  Container c;
  c.header = h;
  c.prior = 2;
  c.bits_window = 8;
  c.metadata.push_back({"encoder", "test"});
  c.frames.push_back({0, 1, pattern(30, 7), 0});
  const Bytes b = write_container(c).value();
  CHECK(get_u32(b, kOffsetVersionMinor) % 65536 == kVersionMinorPrior);
  const auto spans = chunk_spans(b);
  REQUIRE(spans.size() == 5);  // PRIO, WBIT, meta, FRAM, BEND
  CHECK(spans[0].type == "PRIO");
  CHECK(spans[0].end - spans[0].start == kChunkHeadSize + kPriorPayloadSize + kChunkCrcSize);
  CHECK(get_u32(b, spans[0].start + kChunkHeadSize) == 2);
  CHECK(spans[1].type == "WBIT");

  // By hand, following man/bsq.5: the same bytes.
  Bytes by_hand = header_bytes(h);
  patch_header(by_hand, kOffsetVersionMinor, kVersionMinorPrior, 2);
  Bytes revision;
  put_u32(revision, 2);
  put_chunk(by_hand, kChunkPrior, revision);
  by_hand.insert(by_hand.end(), b.begin() + static_cast<std::ptrdiff_t>(spans[1].start), b.end());
  CHECK(by_hand == b);

  const auto back = read_container(b.data(), b.size(), std::nullopt);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->prior == 2);
  CHECK(back->bits_window == 8);
  CHECK(back->header == h);

  // Without one the stream keeps its older version and reads back revision 1.
  c.prior = kPriorWithoutChunk;
  const Bytes plain = write_container(c).value();
  CHECK(get_u32(plain, kOffsetVersionMinor) % 65536 == kVersionMinorWindowBits);
  CHECK(read_container(plain.data(), plain.size(), std::nullopt)->prior == 1);

  // The streaming reader has it once the first FRAM chunk is read.
  auto reader = ChunkReader::open(memory_source(b.data(), b.size()), std::nullopt).value();
  REQUIRE(reader.next_frames().ok());
  CHECK(reader.prior() == 2);

  // A clip of several GOPs keeps 1.3 (the index needs only 1.1).
  StreamHeader clip = sample_header();
  clip.frames = 2;
  auto w = ContainerWriter::start(clip).value();
  REQUIRE(w.add_prior(2).ok());
  REQUIRE(w.add_frames(0, 1, pattern(5, 1).data(), 5).ok());
  REQUIRE(w.add_frames(1, 1, pattern(5, 2).data(), 5).ok());
  REQUIRE(w.finish().ok());
  const Bytes two = w.take_bytes();
  CHECK(get_u32(two, kOffsetVersionMinor) % 65536 == kVersionMinorPrior);
  const auto clip_back = read_container(two.data(), two.size(), std::nullopt);
  REQUIRE_MESSAGE(clip_back.ok(), clip_back.status().message());
  CHECK(clip_back->prior == 2);
  CHECK(clip_back->frames.size() == 2);
}

TEST_CASE("container 1.3: the writer and the reader refuse a misplaced or malformed PRIO chunk") {
  StreamHeader h = sample_header();
  h.frames = 1;
  auto w = ContainerWriter::start(h).value();
  CHECK(w.add_prior(1).message() == "prior revision 1: the chunk is for revisions above 1");
  REQUIRE(w.add_prior(2).ok());
  CHECK(w.add_prior(2).message() ==
        "the prior chunk must come once, before any frame or metadata and before anything is taken");
  REQUIRE(w.add_metadata({"k", "v"}).ok());
  auto late = ContainerWriter::start(h).value();
  REQUIRE(late.add_metadata({"k", "v"}).ok());
  CHECK(late.add_prior(2).message() ==
        "the prior chunk must come once, before any frame or metadata and before anything is taken");

  const auto stream = [&](std::vector<std::pair<uint32_t, Bytes>> chunks, uint16_t minor = kVersionMinorPrior) {
    Bytes b = header_bytes(h);
    patch_header(b, kOffsetVersionMinor, minor, 2);
    for (const auto& [type, payload] : chunks) put_chunk(b, type, payload);
    return error_of(b);
  };
  const auto prior = [](uint32_t revision) {
    Bytes out;
    put_u32(out, revision);
    return out;
  };
  const Bytes frame = frame_payload(0, 1, pattern(3, 1));
  const std::string after_header = std::to_string(kHeaderSize);
  CHECK(stream({{kChunkPrior, prior(2)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}).empty());
  // The reader does not know which revisions a decoder has: a large one is the decoder's to refuse.
  CHECK(stream({{kChunkPrior, prior(0xffffffff)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}).empty());
  for (const uint32_t r : {0u, 1u})
    CHECK(stream({{kChunkPrior, prior(r)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}) ==
          "invalid chunk 1 (PRIO) at byte " + after_header + ": prior revision " + std::to_string(r) +
              " (a stream without the chunk is revision 1)");
  CHECK(stream({{kChunkPrior, two_u32(2, 0)}}) ==
        "invalid chunk 1 (PRIO) at byte " + after_header + ": payload of 8 bytes, expected 4");
  CHECK(stream({{kChunkPrior, prior(2)}, {kChunkPrior, prior(2)}}) ==
        "invalid chunk 2 (PRIO) at byte " + std::to_string(kHeaderSize + 16) + ": a second PRIO chunk");
  CHECK(stream({{kChunkFrames, frame}, {kChunkPrior, prior(2)}, {kChunkEnd, two_u32(1, 1)}}) ==
        "invalid chunk 2 (PRIO) at byte " + std::to_string(kHeaderSize + 12 + frame.size()) +
            ": it must come before the first FRAM chunk");
  // Streams older than 1.3 cannot have one: a writer of them did not know it.
  for (const uint16_t minor : {0, 1, 2})
    CHECK(stream({{kChunkPrior, prior(2)}, {kChunkFrames, frame}, {kChunkEnd, two_u32(1, 1)}}, minor) ==
          "invalid chunk 1 (PRIO) at byte " + after_header + ": a stream of version 1." + std::to_string(minor) +
              " has none (1.3 added it)");
}

// --- Version 1.4: the RESI chunk -----------------------------------------------------------------

TEST_CASE("container 1.4: a RESI chunk round trips after the FRAM chunk and makes the stream 1.4") {
  Container c = residual_container();
  c.prior = 2;
  c.bits_window = 8;
  const Bytes b = write_container(c).value();
  CHECK(get_u32(b, kOffsetVersionMinor) % 65536 == kVersionMinorResidual);
  const auto spans = chunk_spans(b);
  REQUIRE(spans.size() == 6);  // PRIO, WBIT, meta, FRAM, RESI, BEND
  CHECK(spans[3].type == "FRAM");
  CHECK(spans[4].type == "RESI");
  CHECK(spans[4].end - spans[4].start == kChunkHeadSize + kResidualPrefixSize + c.residual.size() + kChunkCrcSize);
  CHECK(spans[5].type == "BEND");

  // By hand, following man/bsq.5: u32 step, then the coded bytes.
  Bytes by_hand(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(spans[4].start));
  Bytes payload;
  put_u32(payload, c.residual_step);
  payload.insert(payload.end(), c.residual.begin(), c.residual.end());
  put_chunk(by_hand, kChunkResidual, payload);
  put_chunk(by_hand, kChunkEnd, two_u32(1, 1));
  CHECK(by_hand == b);

  const auto back = read_container(b.data(), b.size(), std::nullopt);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->residual_step == c.residual_step);
  CHECK(back->residual == c.residual);
  CHECK(back->residual_offset == spans[4].start);
  CHECK(back->prior == 2);
  CHECK(back->bits_window == 8);
  CHECK(back->header == c.header);
  REQUIRE(back->frames.size() == 1);
  CHECK(back->frames[0].coded == c.frames[0].coded);

  // Without one, the stream is the same bytes less the chunk, at the version it had before.
  Container plain = c;
  plain.residual_step = 0;
  plain.residual.clear();
  const Bytes without = write_container(plain).value();
  Bytes expected(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(spans[4].start));
  expected.insert(expected.end(), b.begin() + static_cast<std::ptrdiff_t>(spans[5].start), b.end());
  patch_header(expected, kOffsetVersionMinor, kVersionMinorPrior, 2);
  CHECK(without == expected);
  CHECK(read_container(without.data(), without.size(), std::nullopt)->residual_step == 0);
  plain.prior = kPriorWithoutChunk;
  plain.bits_window = 0;
  const Bytes old = write_container(plain).value();
  CHECK(get_u32(old, kOffsetVersionMinor) % 65536 == 0);
  CHECK(read_container(old.data(), old.size(), std::nullopt)->residual.empty());

  // A step with no coded bytes (an all-zero residual) and the extreme steps.
  for (const uint32_t step : {1u, kResidualStepOne, kMaxResidualStep}) {
    Container empty = residual_container();
    empty.residual_step = step;
    empty.residual.clear();
    const Bytes e = write_container(empty).value();
    const auto e_back = read_container(e.data(), e.size(), std::nullopt);
    REQUIRE_MESSAGE(e_back.ok(), e_back.status().message());
    CHECK(e_back->residual_step == step);
    CHECK(e_back->residual.empty());
  }

  // The streaming writer, with metadata after the residual (an ancillary chunk goes anywhere), and
  // the streaming reader on a pipe, which has the residual once the end marker is read.
  auto w = ContainerWriter::start(c.header).value();
  REQUIRE(w.add_frames(0, 1, c.frames[0].coded.data(), c.frames[0].coded.size()).ok());
  REQUIRE(w.add_residual(c.residual_step, c.residual.data(), c.residual.size()).ok());
  REQUIRE(w.add_metadata({"comment", "after the residual"}).ok());
  REQUIRE(w.finish().ok());
  const Bytes streamed = w.take_bytes();
  CHECK(get_u32(streamed, kOffsetVersionMinor) % 65536 == kVersionMinorResidual);
  auto reader = ChunkReader::open(std::make_unique<TricklePipe>(streamed), std::nullopt).value();
  auto frame = reader.next_frames();
  REQUIRE((frame.ok() && frame->has_value()));
  CHECK(reader.residual_step() == 0);  // not read yet: it follows the FRAM chunk
  auto end = reader.next_frames();
  REQUIRE_MESSAGE(end.ok(), end.status().message());
  CHECK(!end->has_value());
  CHECK(reader.residual_step() == c.residual_step);
  CHECK(reader.residual() == c.residual);
  CHECK(reader.residual_offset() == kHeaderSize + 12 + kFramePrefixSize + c.frames[0].coded.size());
  REQUIRE(reader.metadata().size() == 1);
  CHECK(reader.metadata()[0].value == "after the residual");
}

TEST_CASE("container 1.4: the writer and the reader refuse a misplaced or malformed RESI chunk") {
  StreamHeader h = sample_header();
  h.frames = 1;
  const Bytes coded = pattern(6, 2);
  auto w = ContainerWriter::start(h).value();
  CHECK(w.add_residual(256, coded.data(), coded.size()).message() ==
        "invalid RESI chunk: it must come after the FRAM chunk");
  CHECK(w.add_residual(256, coded.data(), coded.size()).code() == bsq::StatusCode::kInvalidArgument);
  REQUIRE(w.add_frames(0, 1, coded.data(), coded.size()).ok());
  CHECK(w.add_residual(0, coded.data(), coded.size()).message() ==
        "invalid RESI chunk: quantiser step 0 (must be 1..1048576, in 1/256 units)");
  CHECK(w.add_residual(kMaxResidualStep + 1, coded.data(), coded.size()).message() ==
        "invalid RESI chunk: quantiser step 1048577 (must be 1..1048576, in 1/256 units)");
  CHECK(w.add_residual(256, nullptr, 3).message() == "no data for 3 coded bytes");
  REQUIRE(w.add_residual(256, coded.data(), coded.size()).ok());
  CHECK(w.add_residual(256, coded.data(), coded.size()).message() == "invalid RESI chunk: a second RESI chunk");
  REQUIRE(w.finish().ok());
  CHECK(w.add_residual(256, coded.data(), coded.size()).message() == "cannot add the residual after the end marker");
  // The header's version minor changes with it, so nothing may have been taken.
  auto taken = ContainerWriter::start(h).value();
  REQUIRE(taken.add_frames(0, 1, coded.data(), coded.size()).ok());
  REQUIRE(!taken.take_bytes().empty());
  CHECK(taken.add_residual(256, coded.data(), coded.size()).message() ==
        "the residual chunk must come before anything is taken (it sets the version minor)");
  // A still image only: a clip (its count known or not) has none.
  for (const uint32_t frames : {3u, 0u}) {
    StreamHeader clip = sample_header();
    clip.frames = frames;
    auto v = ContainerWriter::start(clip).value();
    REQUIRE(v.add_frames(0, frames == 0 ? 1 : frames, coded.data(), coded.size()).ok());
    CHECK(v.add_residual(256, coded.data(), coded.size()).message() ==
          "invalid RESI chunk: only a still image has one, the header says " + std::to_string(frames) + " frames");
  }
  Container stray = residual_container();
  stray.residual_step = 0;
  CHECK(write_container(stray).status().message() == "a residual of 19 coded bytes without a quantiser step");

  const auto stream = [](const StreamHeader& header, std::vector<std::pair<uint32_t, Bytes>> chunks,
                         uint16_t minor = kVersionMinorResidual) {
    Bytes b = header_bytes(header);
    patch_header(b, kOffsetVersionMinor, minor, 2);
    for (const auto& [type, payload] : chunks) put_chunk(b, type, payload);
    return error_of(b);
  };
  const auto residual = [](uint32_t step, const Bytes& bytes) {
    Bytes out(kResidualPrefixSize + bytes.size());
    for (size_t i = 0; i < kResidualPrefixSize; ++i) out[i] = static_cast<uint8_t>(step >> (8 * i));
    std::copy(bytes.begin(), bytes.end(), out.begin() + kResidualPrefixSize);
    return out;
  };
  const Bytes frame = frame_payload(0, 1, pattern(3, 1));
  const Bytes res = residual(256, pattern(5, 3));
  const Bytes meta{'k', 0, 'v'};
  const Bytes end = two_u32(1, 1);
  const std::string after_frame = std::to_string(kHeaderSize + 12 + frame.size());
  const std::string after_res = std::to_string(kHeaderSize + 24 + frame.size() + res.size());
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, res}, {kChunkEnd, end}}).empty());
  CHECK(stream(h, {{kChunkMetadata, meta},
                   {kChunkFrames, frame},
                   {kChunkMetadata, meta},
                   {kChunkResidual, residual(1, {})},
                   {kChunkMetadata, meta},
                   {kChunkEnd, end}})
            .empty());
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, residual(kMaxResidualStep, {})}, {kChunkEnd, end}}).empty());
  CHECK(stream(h, {{kChunkResidual, res}, {kChunkFrames, frame}, {kChunkEnd, end}}) ==
        "invalid chunk 1 (RESI) at byte 64: it must come after the FRAM chunk");
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, res}, {kChunkResidual, res}}) ==
        "invalid chunk 3 (RESI) at byte " + after_res + ": a second RESI chunk");
  for (const uint32_t step : {0u, kMaxResidualStep + 1})
    CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, residual(step, {})}, {kChunkEnd, end}}) ==
          "invalid chunk 2 (RESI) at byte " + after_frame + ": quantiser step " + std::to_string(step) +
              " (must be 1..1048576, in 1/256 units)");
  for (const size_t length : {0, 3})
    CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, Bytes(length, 1)}, {kChunkEnd, end}}) ==
          "invalid chunk 2 (RESI) at byte " + after_frame + ": payload of " + std::to_string(length) +
              " bytes, shorter than its 4-byte quantiser step");
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkEnd, end}, {kChunkResidual, res}}) ==
        "trailing data: " + std::to_string(12 + res.size()) + " bytes after the end marker, chunk 2 (BEND) at byte " +
            after_frame);
  // Streams older than 1.4 cannot have one: a writer of them did not know it.
  for (const uint16_t minor : {0, 1, 2, 3})
    CHECK(stream(h, {{kChunkFrames, frame}, {kChunkResidual, res}, {kChunkEnd, end}}, minor) ==
          "invalid chunk 2 (RESI) at byte " + after_frame + ": a stream of version 1." + std::to_string(minor) +
              " has none (1.4 added it)");
  // A clip, of a known frame count or of 0, has none.
  StreamHeader clip = sample_header();
  const Bytes clip_frames = frame_payload(0, 3, pattern(3, 1));
  CHECK(stream(clip, {{kChunkFrames, clip_frames}, {kChunkResidual, res}, {kChunkEnd, two_u32(3, 1)}}) ==
        "invalid chunk 2 (RESI) at byte " + after_frame + ": only a still image has one, the header says 3 frames");
  clip.frames = 0;
  CHECK(stream(clip, {{kChunkFrames, frame}, {kChunkResidual, res}, {kChunkEnd, end}}) ==
        "invalid chunk 2 (RESI) at byte " + after_frame + ": only a still image has one, the header says 0 frames");
  const auto bad = read_container(nullptr, 0, std::nullopt);
  CHECK(bad.status().code() == bsq::StatusCode::kInvalidData);
}

// --- Version 1.5: the FILT chunk -----------------------------------------------------------------

TEST_CASE("container 1.5: a FILT chunk round trips after the FRAM and RESI chunks and makes the stream 1.5") {
  for (const bool with_residual : {true, false}) {
    Container c = residual_container();
    if (!with_residual) {
      c.residual_step = 0;
      c.residual.clear();
    }
    c.filter = pattern(9, 5);
    const Bytes b = write_container(c).value();
    CHECK(get_u32(b, kOffsetVersionMinor) % 65536 == kVersionMinorFilter);
    const auto spans = chunk_spans(b);
    REQUIRE(spans.size() == (with_residual ? 5u : 4u));  // meta, FRAM, (RESI), FILT, BEND
    const auto& filt = spans[spans.size() - 2];
    CHECK(filt.type == "FILT");
    CHECK(filt.end - filt.start == kChunkHeadSize + c.filter.size() + kChunkCrcSize);

    // By hand, following man/bsq.5: the coded parameters alone.
    Bytes by_hand(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(filt.start));
    put_chunk(by_hand, kChunkFilter, c.filter);
    put_chunk(by_hand, kChunkEnd, two_u32(1, 1));
    CHECK(by_hand == b);

    const auto back = read_container(b.data(), b.size(), std::nullopt);
    REQUIRE_MESSAGE(back.ok(), back.status().message());
    CHECK(back->filter == c.filter);
    CHECK(back->filter_offset == filt.start);
    CHECK(back->residual == c.residual);
    CHECK(back->residual_step == c.residual_step);

    // Without one, the stream is the same bytes less the chunk, at the version it had before.
    Container plain = c;
    plain.filter.clear();
    const Bytes without = write_container(plain).value();
    Bytes expected(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(filt.start));
    expected.insert(expected.end(), b.begin() + static_cast<std::ptrdiff_t>(spans.back().start), b.end());
    patch_header(expected, kOffsetVersionMinor, with_residual ? kVersionMinorResidual : 0, 2);
    CHECK(without == expected);
    CHECK(read_container(without.data(), without.size(), std::nullopt)->filter.empty());
  }

  // The streaming reader on a pipe has the filter once the end marker is read.
  Container c = residual_container();
  c.filter = pattern(4, 7);
  const Bytes b = write_container(c).value();
  auto reader = ChunkReader::open(std::make_unique<TricklePipe>(b), std::nullopt).value();
  auto frame = reader.next_frames();
  REQUIRE((frame.ok() && frame->has_value()));
  CHECK(reader.filter().empty());
  auto end = reader.next_frames();
  REQUIRE_MESSAGE(end.ok(), end.status().message());
  CHECK(!end->has_value());
  CHECK(reader.filter() == c.filter);
}

TEST_CASE("container 1.5: the writer and the reader refuse a misplaced or malformed FILT chunk") {
  StreamHeader h = sample_header();
  h.frames = 1;
  const Bytes coded = pattern(6, 2);
  auto w = ContainerWriter::start(h).value();
  CHECK(w.add_filter(coded.data(), coded.size()).message() == "invalid FILT chunk: it must come after the FRAM chunk");
  REQUIRE(w.add_frames(0, 1, coded.data(), coded.size()).ok());
  CHECK(w.add_filter(coded.data(), 0).message() == "invalid FILT chunk: an empty payload");
  CHECK(w.add_filter(nullptr, 3).message() == "invalid FILT chunk: an empty payload");
  REQUIRE(w.add_filter(coded.data(), coded.size()).ok());
  CHECK(w.add_filter(coded.data(), coded.size()).message() == "invalid FILT chunk: a second FILT chunk");
  REQUIRE(w.finish().ok());
  CHECK(w.add_filter(coded.data(), coded.size()).message() == "cannot add the filter after the end marker");
  auto taken = ContainerWriter::start(h).value();
  REQUIRE(taken.add_frames(0, 1, coded.data(), coded.size()).ok());
  REQUIRE(!taken.take_bytes().empty());
  CHECK(taken.add_filter(coded.data(), coded.size()).message() ==
        "the filter chunk must come before anything is taken (it sets the version minor)");
  StreamHeader clip = sample_header();
  auto v = ContainerWriter::start(clip).value();
  REQUIRE(v.add_frames(0, clip.frames, coded.data(), coded.size()).ok());
  CHECK(v.add_filter(coded.data(), coded.size()).message() ==
        "invalid FILT chunk: only a still image has one, the header says " + std::to_string(clip.frames) + " frames");

  const auto stream = [](const StreamHeader& header, std::vector<std::pair<uint32_t, Bytes>> chunks,
                         uint16_t minor = kVersionMinorFilter) {
    Bytes b = header_bytes(header);
    patch_header(b, kOffsetVersionMinor, minor, 2);
    for (const auto& [type, payload] : chunks) put_chunk(b, type, payload);
    return error_of(b);
  };
  const Bytes frame = frame_payload(0, 1, pattern(3, 1));
  const Bytes filt = pattern(5, 3);
  const Bytes end = two_u32(1, 1);
  const std::string after_frame = std::to_string(kHeaderSize + 12 + frame.size());
  const std::string after_filt = std::to_string(kHeaderSize + 24 + frame.size() + filt.size());
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkFilter, filt}, {kChunkEnd, end}}).empty());
  CHECK(stream(h, {{kChunkFilter, filt}, {kChunkFrames, frame}, {kChunkEnd, end}}) ==
        "invalid chunk 1 (FILT) at byte 64: it must come after the FRAM chunk");
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkFilter, filt}, {kChunkFilter, filt}}) ==
        "invalid chunk 3 (FILT) at byte " + after_filt + ": a second FILT chunk");
  CHECK(stream(h, {{kChunkFrames, frame}, {kChunkFilter, {}}, {kChunkEnd, end}}) ==
        "invalid chunk 2 (FILT) at byte " + after_frame + ": an empty payload");
  for (const uint16_t minor : {0, 3, 4})
    CHECK(stream(h, {{kChunkFrames, frame}, {kChunkFilter, filt}, {kChunkEnd, end}}, minor) ==
          "invalid chunk 2 (FILT) at byte " + after_frame + ": a stream of version 1." + std::to_string(minor) +
              " has none (1.5 added it)");
  StreamHeader three = sample_header();
  CHECK(
      stream(three,
             {{kChunkFrames, frame_payload(0, 3, pattern(3, 1))}, {kChunkFilter, filt}, {kChunkEnd, two_u32(3, 1)}}) ==
      "invalid chunk 2 (FILT) at byte " + after_frame + ": only a still image has one, the header says 3 frames");
}

// .bsq reader: checks each size against the caps and the bytes left before using it, then each CRC.
#include "container_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "byte_order.h"

namespace bsq::bitstream {
namespace {

Status invalid(std::string message) { return {StatusCode::kInvalidData, std::move(message)}; }

// Fuzzing builds (libFuzzer users define this macro by convention; bsq's fuzzer targets alone
// define it) compute every CRC but ignore a mismatch: random mutations almost never keep a CRC-32
// valid, so otherwise the fuzzer would never get past the checksums to the decoder behind them.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kEnforceCrc = false;
#else
constexpr bool kEnforceCrc = true;
#endif

Status truncated(const std::string& what, size_t at, uint64_t needs, size_t left) {
  return invalid(fmt::format("truncated stream: {} at byte {} needs {} bytes, {} left", what, at, needs, left));
}

struct ParsedHeader {
  StreamHeader header;
  size_t size = 0;  // where the first chunk starts
};

StatusOr<ParsedHeader> parse_header(const uint8_t* data, size_t size) {
  if (size == 0) return invalid("empty input (0 bytes): not a .bsq file");
  if (std::memcmp(data, kMagic, std::min(size, sizeof(kMagic))) != 0) {
    // "BSQ" intact but the binary bytes around it changed: the classic text-mode transfer damage.
    const bool altered = size >= 4 && std::memcmp(data + 1, kMagic + 1, 3) == 0;
    return invalid(altered ? "not a .bsq file (bad magic: signature bytes altered, as by a text-mode transfer)"
                           : "not a .bsq file (bad magic)");
  }
  if (size < kOffsetFingerprint) return truncated("header", 0, kHeaderSize, size);
  const auto major = load_le<uint16_t>(data + kOffsetVersionMajor);
  const auto minor = load_le<uint16_t>(data + kOffsetVersionMinor);
  // Checked before the header CRC: a later major version may place its CRC elsewhere.
  if (major != kVersionMajor)
    return Status(StatusCode::kUnsupported, fmt::format("unsupported version {}.{} (this reader reads version {}.x)",
                                                        major, minor, kVersionMajor));
  const auto header_size = load_le<uint32_t>(data + kOffsetHeaderSize);
  if (header_size < kHeaderSize || header_size > kMaxHeaderSize)
    return invalid(fmt::format("invalid header: header size {} at byte {} (must be {}..{})", header_size,
                               kOffsetHeaderSize, kHeaderSize, kMaxHeaderSize));
  if (size < header_size) return truncated("header", 0, header_size, size);
  const auto stored_crc = load_le<uint32_t>(data + header_size - 4);
  const auto crc = crc32_of(data, header_size - 4);
  if (kEnforceCrc && stored_crc != crc)
    return invalid(
        fmt::format("damaged header at byte 0: CRC mismatch (stored {:08x}, computed {:08x})", stored_crc, crc));

  // Fields a 1.x writer appended after kOffsetReserved are covered by the CRC and skipped here.
  ParsedHeader parsed;
  parsed.size = header_size;
  StreamHeader& h = parsed.header;
  h.model_fingerprint = load_le<uint64_t>(data + kOffsetFingerprint);
  h.width = load_le<uint32_t>(data + kOffsetWidth);
  h.height = load_le<uint32_t>(data + kOffsetHeight);
  h.frames = load_le<uint32_t>(data + kOffsetFrames);
  h.fps_num = load_le<uint32_t>(data + kOffsetFpsNum);
  h.fps_den = load_le<uint32_t>(data + kOffsetFpsDen);
  h.grid_cols = load_le<uint32_t>(data + kOffsetGridCols);
  h.grid_rows = load_le<uint32_t>(data + kOffsetGridRows);
  h.patch = data[kOffsetPatch];
  h.bits = data[kOffsetBits];
  h.colour.primaries = data[kOffsetColourPrimaries];
  h.colour.transfer = data[kOffsetTransfer];
  h.colour.matrix = data[kOffsetMatrix];
  h.colour.full_range = data[kOffsetFullRange];
  h.colour.bit_depth = data[kOffsetBitDepth];
  BSQ_RETURN_IF_ERROR(validate_header(h));
  return parsed;
}

// One chunk whose length and CRC have been checked; index counts chunks from 1.
struct RawChunk {
  uint32_t type = 0;
  const uint8_t* payload = nullptr;
  uint32_t length = 0;
  size_t offset = 0, index = 0;
  std::string name() const { return fmt::format("chunk {} ({})", index, fourcc_name(type)); }
  std::string where() const { return fmt::format("{} at byte {}", name(), offset); }
};

// What the chunks seen so far add up to; the end marker must agree with it.
struct ChunkTally {
  uint32_t frames = 0, frame_chunks = 0;
};

Status take_frames(const RawChunk& c, const StreamHeader& h, ChunkTally& tally, Container& out) {
  if (c.length < kFramePrefixSize)
    return invalid(fmt::format("invalid {}: payload of {} bytes, shorter than its {}-byte frame prefix", c.where(),
                               c.length, kFramePrefixSize));
  const auto first = load_le<uint32_t>(c.payload);
  const auto count = load_le<uint32_t>(c.payload + 4);
  if (first != tally.frames)
    return invalid(
        fmt::format("frames out of order: {} starts at frame {}, expected frame {}", c.where(), first, tally.frames));
  if (count < 1 || count > h.frames - tally.frames)  // tally.frames <= h.frames always holds here
    return invalid(fmt::format("invalid {}: {} frames from frame {}, the stream has {} frames", c.where(), count, first,
                               h.frames));
  FrameChunk chunk;
  chunk.first_frame = first;
  chunk.frame_count = count;
  chunk.coded.assign(c.payload + kFramePrefixSize, c.payload + c.length);  // size bounded by the input
  chunk.offset = c.offset;
  out.frames.push_back(std::move(chunk));
  tally.frames += count;
  ++tally.frame_chunks;
  return Status::Ok();
}

Status take_metadata(const RawChunk& c, Container& out) {
  if (out.metadata.size() >= kMaxMetadataChunks)
    return invalid(fmt::format("invalid {}: more than {} metadata chunks", c.where(), kMaxMetadataChunks));
  const auto* end = c.payload + c.length;
  const auto* nul = std::find(c.payload, end, uint8_t{0});
  if (nul == end) return invalid(fmt::format("invalid {}: no NUL after the key", c.where()));
  Metadata entry{std::string(c.payload, nul), std::string(nul + 1, end)};
  const Status valid = validate_metadata(entry);
  if (!valid.ok()) return invalid(fmt::format("invalid {}: {}", c.where(), valid.message()));
  out.metadata.push_back(std::move(entry));
  return Status::Ok();
}

Status check_end(const RawChunk& c, const StreamHeader& h, const ChunkTally& tally, size_t stream_size) {
  if (c.length != kEndPayloadSize)
    return invalid(
        fmt::format("invalid end marker, {}: payload of {} bytes, expected {}", c.where(), c.length, kEndPayloadSize));
  const auto frames = load_le<uint32_t>(c.payload);
  const auto frame_chunks = load_le<uint32_t>(c.payload + 4);
  if (tally.frames != h.frames)
    return invalid(
        fmt::format("missing frames: end marker, {}, after {} of {} frames", c.where(), tally.frames, h.frames));
  if (frames != tally.frames || frame_chunks != tally.frame_chunks)
    return invalid(fmt::format("invalid end marker, {}: counts {} frames in {} FRAM chunks, the stream has {} in {}",
                               c.where(), frames, frame_chunks, tally.frames, tally.frame_chunks));
  const size_t end = c.offset + kChunkHeadSize + c.length + kChunkCrcSize;
  if (end != stream_size)
    return invalid(fmt::format("trailing data: {} bytes after the end marker, {}", stream_size - end, c.where()));
  return Status::Ok();
}

}  // namespace

StatusOr<StreamHeader> read_header(const uint8_t* data, size_t size) {
  auto parsed = parse_header(data, size);
  if (!parsed.ok()) return parsed.status();
  return parsed->header;
}

StatusOr<Container> read_container(const uint8_t* data, size_t size, std::optional<uint64_t> expected_fingerprint) {
  auto parsed = parse_header(data, size);
  if (!parsed.ok()) return parsed.status();
  Container out;
  out.header = parsed->header;
  if (expected_fingerprint && *expected_fingerprint != out.header.model_fingerprint)
    return Status(StatusCode::kModelMismatch, fmt::format("stream made with model {:016x}, this model is {:016x}",
                                                          out.header.model_fingerprint, *expected_fingerprint));
  ChunkTally tally;
  size_t pos = parsed->size;
  for (size_t index = 1;; ++index) {
    if (pos == size)
      return invalid(fmt::format("missing end marker: stream ends at byte {} after {} chunks", pos, index - 1));
    const size_t left = size - pos;
    if (left < kChunkHeadSize) return truncated(fmt::format("chunk {}", index), pos, kChunkHeadSize, left);
    RawChunk c;
    c.type = load_le<uint32_t>(data + pos);
    c.length = load_le<uint32_t>(data + pos + 4);
    c.offset = pos;
    c.index = index;
    if (c.length > kMaxChunkPayload)
      return invalid(
          fmt::format("invalid {}: payload length {} over the cap of {} bytes", c.where(), c.length, kMaxChunkPayload));
    const uint64_t needs = uint64_t{kChunkHeadSize} + c.length + kChunkCrcSize;
    if (needs > left) return truncated(c.name(), pos, needs, left);
    c.payload = data + pos + kChunkHeadSize;
    const auto stored_crc = load_le<uint32_t>(c.payload + c.length);
    const auto crc = crc32_of(data + pos, kChunkHeadSize + c.length);
    if (kEnforceCrc && stored_crc != crc)
      return invalid(
          fmt::format("damaged {}: CRC mismatch (stored {:08x}, computed {:08x})", c.where(), stored_crc, crc));

    if (c.type == kChunkFrames) {
      BSQ_RETURN_IF_ERROR(take_frames(c, out.header, tally, out));
    } else if (c.type == kChunkMetadata) {
      BSQ_RETURN_IF_ERROR(take_metadata(c, out));
    } else if (c.type == kChunkEnd) {
      BSQ_RETURN_IF_ERROR(check_end(c, out.header, tally, size));
      return out;
    } else if (!is_ancillary(c.type)) {
      return Status(StatusCode::kUnsupported, fmt::format("unknown critical {}", c.where()));
    }  // else: an ancillary chunk this reader does not know; its CRC was fine, skip it
    pos += needs;
  }
}

}  // namespace bsq::bitstream

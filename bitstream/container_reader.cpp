// .bsq reader, whole buffer: the header parser, and read_container as a loop over a ChunkReader.
#include "container_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "byte_order.h"
#include "container_detail.h"
#include "container_stream.h"

namespace bsq::bitstream {
namespace detail {
namespace {

Status invalid(std::string message) { return invalid_data(std::move(message)); }

}  // namespace

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
  parsed.version_minor = minor;
  if (h.frames == 0 && minor < kVersionMinorIndex)  // "known only at the end" is a 1.1 feature
    return invalid(fmt::format("invalid header: frame count 0 at byte {} (must be 1..{} in version {}.{})",
                               kOffsetFrames, kMaxFrames, major, minor));
  return parsed;
}

}  // namespace detail

StatusOr<StreamHeader> read_header(const uint8_t* data, size_t size) {
  auto parsed = detail::parse_header(data, size);
  if (!parsed.ok()) return parsed.status();
  return parsed->header;
}

// One chunk parser for both readers: this one walks a memory source with a ChunkReader.
StatusOr<Container> read_container(const uint8_t* data, size_t size, std::optional<uint64_t> expected_fingerprint) {
  auto reader = ChunkReader::open(memory_source(data, size), expected_fingerprint);
  if (!reader.ok()) return reader.status();
  Container out;
  out.header = reader->header();
  while (true) {
    auto chunk = reader->next_frames();
    if (!chunk.ok()) return chunk.status();
    if (!chunk->has_value()) break;
    out.frames.push_back(std::move(*chunk.value()));
  }
  out.metadata = reader->metadata();
  out.bits_window = reader->bits_window();
  out.prior = reader->prior();
  out.residual_step = reader->residual_step();
  out.residual = reader->residual();
  out.residual_offset = reader->residual_offset();
  out.filter = reader->filter();
  out.filter_offset = reader->filter_offset();
  // A header count of 0 is resolved by BEND, whose total the reader checked against the chunks.
  if (out.header.frames == 0) out.header.frames = out.frames.back().first_frame + out.frames.back().frame_count;
  return out;
}

}  // namespace bsq::bitstream

// Reading the gidx index (1.1) backwards from the fixed-size BEND at the end of the stream, and
// checking it against BEND: what ChunkReader::read_index() returns.
#include <fmt/format.h>

#include <array>
#include <utility>

#include "byte_order.h"
#include "container_detail.h"

namespace bsq::bitstream::detail {

// BEND is the last 20 bytes; the gidx chunk ends just before it and its payload ends with its own
// length, so [payload length][CRC] are the 8 bytes before BEND.
StatusOr<std::optional<StreamIndex>> find_index(ByteSource& src, size_t header_size, const StreamHeader& header,
                                                int version_minor) {
  const uint64_t size = src.size();
  const auto read_at = [&](uint64_t offset, uint8_t* dst, size_t n) -> Status {
    BSQ_RETURN_IF_ERROR(src.seek(offset));
    auto got = read_fully(src, dst, n);
    if (!got.ok()) return got.status();
    if (got.value() != n) return truncated("index", offset, n, got.value());
    return Status::Ok();
  };
  if (size < header_size + kEndChunkSize)
    return invalid_data(fmt::format("missing end marker: the stream is {} bytes, too short for one", size));
  const uint64_t end_at = size - kEndChunkSize;
  std::array<uint8_t, kEndChunkSize> end{};
  BSQ_RETURN_IF_ERROR(read_at(end_at, end.data(), end.size()));
  const auto stored_end_crc = load_le<uint32_t>(end.data() + kChunkHeadSize + kEndPayloadSize);
  if (load_le<uint32_t>(end.data()) != kChunkEnd || load_le<uint32_t>(end.data() + 4) != kEndPayloadSize ||
      (kEnforceCrc && stored_end_crc != crc32_of(end.data(), kChunkHeadSize + kEndPayloadSize)))
    return invalid_data(fmt::format(
        "missing end marker: the last {} bytes (from byte {}) are not a BEND chunk; the stream is cut or damaged",
        kEndChunkSize, end_at));
  const auto total = load_le<uint32_t>(end.data() + kChunkHeadSize);
  const auto chunks = load_le<uint32_t>(end.data() + kChunkHeadSize + 4);
  if (header.frames != 0 && total != header.frames)
    return invalid_data(
        fmt::format("invalid end marker at byte {}: counts {} frames, the header {}", end_at, total, header.frames));

  // Where the index chunk starts if the 8 bytes before BEND are its trailing length and CRC.
  std::optional<uint64_t> at;
  uint32_t length = 0;
  if (end_at >= header_size + kChunkHeadSize + kIndexFixedSize + kChunkCrcSize) {
    std::array<uint8_t, 8> tail{};
    BSQ_RETURN_IF_ERROR(read_at(end_at - 8, tail.data(), tail.size()));
    length = load_le<uint32_t>(tail.data());
    const uint64_t room = end_at - header_size - kChunkHeadSize - kChunkCrcSize;
    if (length >= kIndexFixedSize && length <= room) {
      std::array<uint8_t, kChunkHeadSize> head{};
      const uint64_t start = end_at - kChunkCrcSize - length - kChunkHeadSize;
      BSQ_RETURN_IF_ERROR(read_at(start, head.data(), head.size()));
      if (load_le<uint32_t>(head.data()) == kChunkIndex && load_le<uint32_t>(head.data() + 4) == length) at = start;
    }
  }
  if (!at) {
    // A 1.1 writer indexes every stream of more than one FRAM chunk.
    if (version_minor >= kVersionMinorIndex && chunks > 1)
      return invalid_data(
          fmt::format("missing index: no gidx chunk ends before the end marker at byte {}, and this "
                      "1.{} stream has {} FRAM chunks",
                      end_at, version_minor, chunks));
    return std::optional<StreamIndex>();
  }
  const std::string where = fmt::format("index chunk (gidx) at byte {}", *at);
  std::vector<uint8_t> bytes(kChunkHeadSize + length + kChunkCrcSize);  // length < size: checked above
  BSQ_RETURN_IF_ERROR(read_at(*at, bytes.data(), bytes.size()));
  const auto stored_crc = load_le<uint32_t>(bytes.data() + kChunkHeadSize + length);
  const auto crc = crc32_of(bytes.data(), kChunkHeadSize + length);
  if (kEnforceCrc && stored_crc != crc)
    return invalid_data(
        fmt::format("damaged {}: CRC mismatch (stored {:08x}, computed {:08x})", where, stored_crc, crc));
  auto gops = detail::decode_index(bytes.data() + kChunkHeadSize, length, where);
  if (!gops.ok()) return gops.status();
  if (gops->size() != chunks)
    return invalid_data(
        fmt::format("invalid {}: lists {} GOPs, the end marker counts {} FRAM chunks", where, gops->size(), chunks));
  uint32_t next = 0;
  uint64_t after = header_size;  // the earliest byte the next FRAM chunk may start at
  for (size_t i = 0; i < gops->size(); ++i) {
    const GopEntry& g = gops.value()[i];
    if (g.first_frame != next || g.frame_count < 1 || g.frame_count > total - next)
      return invalid_data(
          fmt::format("invalid {}: entry {} says {} frames from frame {}, expected frames from {} "
                      "within the {} of the stream",
                      where, i + 1, g.frame_count, g.first_frame, next, total));
    const uint64_t chunk_end = *at;  // a FRAM chunk is at least head + prefix + CRC before the index
    if (g.offset < after || g.offset > chunk_end || chunk_end - g.offset < kChunkHeadSize + kFramePrefixSize + 4)
      return invalid_data(fmt::format("invalid {}: entry {} ({}) at byte {}, outside bytes {}..{} where it may start",
                                      where, i + 1, frame_range(g.first_frame, g.frame_count), g.offset, after,
                                      chunk_end - (kChunkHeadSize + kFramePrefixSize + kChunkCrcSize)));
    next += g.frame_count;
    after = g.offset + kChunkHeadSize + kFramePrefixSize + kChunkCrcSize;
  }
  if (next != total)
    return invalid_data(
        fmt::format("invalid {}: its entries cover {} frames, the end marker counts {}", where, next, total));
  StreamIndex index;
  index.total_frames = total;
  index.gops = std::move(gops.value());
  return std::optional<StreamIndex>(std::move(index));
}

}  // namespace bsq::bitstream::detail

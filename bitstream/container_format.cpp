// Checks shared by the container writer and reader: header fields, metadata entries, CRC-32.
#include "container_format.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>

#include "byte_order.h"
#include "container_detail.h"

namespace bsq::bitstream {
namespace {

Status field_error(const char* name, uint64_t value, size_t offset, const std::string& rule) {
  return {StatusCode::kInvalidData, fmt::format("invalid header: {} {} at byte {} ({})", name, value, offset, rule)};
}

// Token count along one side: the picture rounded up to whole patches, plus the tokenizer's
// padding to whole attention windows.
Status check_grid_side(const char* name, uint32_t tokens, size_t offset, const char* side_name, uint32_t side,
                       uint32_t patch) {
  const uint64_t least = (uint64_t{side} + patch - 1) / patch;
  if (tokens >= least && tokens <= least + kMaxGridPadding) return Status::Ok();
  return field_error(
      name, tokens, offset,
      fmt::format("must be {}..{} for {} {} and patch {}", least, least + kMaxGridPadding, side_name, side, patch));
}

}  // namespace

std::string fourcc_name(uint32_t type) {
  std::string name(4, ' ');
  for (size_t i = 0; i < 4; ++i) {
    const auto c = static_cast<char>(type >> (8 * i));
    if (c < 0x21 || c > 0x7e) return fmt::format("0x{:08x}", type);
    name[i] = c;
  }
  return name;
}

uint32_t crc32_of(const uint8_t* data, size_t size) {
  // crc32_z takes a size_t length, so a payload over 4 GiB (which the caps forbid anyway) is fine.
  return static_cast<uint32_t>(::crc32_z(::crc32_z(0L, Z_NULL, 0), data, size));
}

bool StreamHeader::operator==(const StreamHeader& o) const {
  const auto& c = colour;
  const auto& d = o.colour;
  return model_fingerprint == o.model_fingerprint && width == o.width && height == o.height && frames == o.frames &&
         fps_num == o.fps_num && fps_den == o.fps_den && grid_cols == o.grid_cols && grid_rows == o.grid_rows &&
         patch == o.patch && bits == o.bits && c.primaries == d.primaries && c.transfer == d.transfer &&
         c.matrix == d.matrix && c.full_range == d.full_range && c.bit_depth == d.bit_depth;
}

Status validate_header(const StreamHeader& h) {
  const std::string side_rule = fmt::format("must be 1..{}", kMaxDimension);
  if (h.width < 1 || h.width > kMaxDimension) return field_error("width", h.width, kOffsetWidth, side_rule);
  if (h.height < 1 || h.height > kMaxDimension) return field_error("height", h.height, kOffsetHeight, side_rule);
  const uint64_t pixels = uint64_t{h.width} * h.height;
  if (pixels > kMaxPixelsPerFrame)
    return field_error("width x height", pixels, kOffsetWidth, fmt::format("at most {} pixels", kMaxPixelsPerFrame));
  if (h.frames > kMaxFrames)
    return field_error("frame count", h.frames, kOffsetFrames, fmt::format("must be 0..{}", kMaxFrames));
  if (h.fps_den == 0) return field_error("frame rate denominator", 0, kOffsetFpsDen, "must be >= 1");
  if (!valid_patch(h.patch)) return field_error("patch", h.patch, kOffsetPatch, "must be 2, 4, 8, 16 or 32");
  if (h.bits < 1 || h.bits > 64) return field_error("bits per token", h.bits, kOffsetBits, "must be 1..64");
  BSQ_RETURN_IF_ERROR(check_grid_side("grid columns", h.grid_cols, kOffsetGridCols, "width", h.width, h.patch));
  BSQ_RETURN_IF_ERROR(check_grid_side("grid rows", h.grid_rows, kOffsetGridRows, "height", h.height, h.patch));
  if (h.colour.full_range > 1)
    return field_error("full range flag", h.colour.full_range, kOffsetFullRange, "must be 0 or 1");
  if (h.colour.bit_depth < 1 || h.colour.bit_depth > kMaxBitDepth)
    return field_error("bit depth", h.colour.bit_depth, kOffsetBitDepth, fmt::format("must be 1..{}", kMaxBitDepth));
  return Status::Ok();
}

Status validate_metadata(const Metadata& entry) {
  const bool printable = std::all_of(entry.key.begin(), entry.key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (entry.key.empty() || entry.key.size() > kMaxMetadataKey || !printable)
    return {StatusCode::kInvalidData,
            fmt::format("invalid metadata key (must be 1..{} printable ASCII characters)", kMaxMetadataKey)};
  if (entry.value.find('\0') != std::string::npos)
    return {StatusCode::kInvalidData, fmt::format("invalid metadata value for '{}' (contains a NUL byte)", entry.key)};
  return Status::Ok();
}

namespace detail {

Status truncated(const std::string& what, uint64_t at, uint64_t needs, uint64_t left) {
  return invalid_data(fmt::format("truncated stream: {} at byte {} needs {} bytes, {} left", what, at, needs, left));
}

std::vector<uint8_t> encode_index(const std::vector<GopEntry>& gops) {
  std::vector<uint8_t> out;
  append_le<uint32_t>(out, static_cast<uint32_t>(gops.size()));  // <= kMaxFrames: each GOP has a frame
  for (const auto& g : gops) {
    append_le<uint32_t>(out, g.first_frame);
    append_le<uint32_t>(out, g.frame_count);
    append_le<uint64_t>(out, g.offset);
  }
  append_le<uint32_t>(out, static_cast<uint32_t>(out.size() + 4));
  return out;
}

StatusOr<std::vector<GopEntry>> decode_index(const uint8_t* payload, size_t length, const std::string& where) {
  if (length < kIndexFixedSize || (length - kIndexFixedSize) % kIndexEntrySize != 0)
    return invalid_data(fmt::format("invalid {}: payload of {} bytes, expected {} + {} per entry", where, length,
                                    kIndexFixedSize, kIndexEntrySize));
  const auto count = load_le<uint32_t>(payload);
  const auto trailer = load_le<uint32_t>(payload + length - 4);
  if (trailer != length)
    return invalid_data(
        fmt::format("invalid {}: trailing length {} differs from the payload length {}", where, trailer, length));
  if (uint64_t{count} != (length - kIndexFixedSize) / kIndexEntrySize)
    return invalid_data(fmt::format("invalid {}: {} entries in a payload of {} bytes", where, count, length));
  std::vector<GopEntry> gops(count);  // bounded by the payload length just checked
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = payload + 4 + size_t{i} * kIndexEntrySize;
    gops[i] = {load_le<uint32_t>(e), load_le<uint32_t>(e + 4), load_le<uint64_t>(e + 8)};
  }
  return gops;
}

}  // namespace detail
}  // namespace bsq::bitstream

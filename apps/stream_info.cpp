// Describes a .bsq stream through the container reader: the header, then where every byte went.
#include "stream_info.h"

#include <fmt/format.h>

#include <cstdio>

#include "byte_order.h"
#include "cli_common.h"
#include "container_reader.h"

namespace bsq::cli {
namespace {

namespace bs = bsq::bitstream;

// The reader validated the header, so these little-endian fields are in bounds.
uint32_t le_field(const std::vector<uint8_t>& bytes, size_t offset, size_t width) {
  return static_cast<uint32_t>(load_le_n(bytes.data() + offset, width));
}

struct Layout {
  uint32_t version_major, version_minor, header_bytes;
  size_t end_bytes = bs::kChunkHeadSize + bs::kEndPayloadSize + bs::kChunkCrcSize;
  size_t frame_bytes = 0;  // all FRAM chunks, framing included
  size_t other_bytes = 0;  // metadata and ancillary chunks
};

size_t chunk_bytes(const bs::FrameChunk& chunk) {
  return bs::kChunkHeadSize + bs::kFramePrefixSize + chunk.coded.size() + bs::kChunkCrcSize;
}

void print_json(const std::string& name, size_t size, const bs::Container& c, const Layout& l) {
  const auto& h = c.header;
  JsonObject json;
  json.add("file", name).add("bytes", size).add("version", fmt::format("{}.{}", l.version_major, l.version_minor));
  json.add("width", h.width).add("height", h.height).add("frames", h.frames);
  json.add("fps_num", h.fps_num).add("fps_den", h.fps_den);
  json.add("model_fingerprint", fmt::format("{:016x}", h.model_fingerprint));
  json.add("patch", int{h.patch}).add("bits", int{h.bits}).add("grid_cols", h.grid_cols).add("grid_rows", h.grid_rows);
  JsonObject colour;
  colour.add("primaries", int{h.colour.primaries}).add("transfer", int{h.colour.transfer});
  colour.add("matrix", int{h.colour.matrix}).add("full_range", h.colour.full_range != 0);
  colour.add("bit_depth", int{h.colour.bit_depth});
  json.add_raw("colour", colour.str());
  const double pixels = static_cast<double>(h.width) * h.height * h.frames;
  json.add("bpp", 8.0 * static_cast<double>(size) / pixels);
  std::vector<std::string> chunks;
  for (const auto& f : c.frames) {
    JsonObject chunk;
    chunk.add("type", "FRAM").add("offset", f.offset).add("bytes", chunk_bytes(f)).add("coded_bytes", f.coded.size());
    chunk.add("first_frame", f.first_frame).add("frame_count", f.frame_count);
    chunks.push_back(chunk.str());
  }
  chunks.push_back(JsonObject().add("type", "BEND").add("offset", size - l.end_bytes).add("bytes", l.end_bytes).str());
  json.add("header_bytes", l.header_bytes)
      .add_raw("chunks", json_array(chunks))
      .add("other_chunk_bytes", l.other_bytes);
  std::vector<std::string> metadata;
  for (const auto& m : c.metadata) metadata.push_back(JsonObject().add("key", m.key).add("value", m.value).str());
  json.add_raw("metadata", json_array(metadata));
  fmt::print("{}\n", json.str());
}

void print_text(const std::string& name, size_t size, const bs::Container& c, const Layout& l) {
  const auto& h = c.header;
  const double pixels = static_cast<double>(h.width) * h.height * h.frames;
  fmt::print("{}: .bsq {}.{}, {} bytes, {:.4f} bpp\n", name, l.version_major, l.version_minor, size,
             8.0 * size / pixels);
  fmt::print("  picture   {}x{}, {} frame{}", h.width, h.height, h.frames, h.frames == 1 ? "" : "s");
  if (h.fps_num != 0) fmt::print(" at {}/{} fps", h.fps_num, h.fps_den);
  fmt::print("\n  model     fingerprint {:016x}, {}-pixel patches, {} bits per token\n", h.model_fingerprint, h.patch,
             h.bits);
  fmt::print("  tokens    {}x{} per frame (padding included)\n", h.grid_cols, h.grid_rows);
  fmt::print("  colour    primaries {}, transfer {}, matrix {}, {} range, {}-bit\n", h.colour.primaries,
             h.colour.transfer, h.colour.matrix, h.colour.full_range ? "full" : "limited", h.colour.bit_depth);
  fmt::print("  {:>10} {:>10}  chunk\n", "offset", "bytes");
  fmt::print("  {:>10} {:>10}  header\n", 0, l.header_bytes);
  for (const auto& f : c.frames)
    fmt::print("  {:>10} {:>10}  FRAM frames {}..{} ({} bytes of coded tokens)\n", f.offset, chunk_bytes(f),
               f.first_frame, f.first_frame + f.frame_count - 1, f.coded.size());
  if (l.other_bytes != 0) fmt::print("  {:>10} {:>10}  metadata and other chunks\n", "", l.other_bytes);
  fmt::print("  {:>10} {:>10}  BEND\n", size - l.end_bytes, l.end_bytes);
  for (const auto& m : c.metadata) fmt::print("  metadata  {} = {}\n", m.key, m.value);
}

}  // namespace

Status print_stream_info(const std::string& name, const std::vector<uint8_t>& bytes, bool json) {
  auto container = bs::read_container(bytes.data(), bytes.size(), std::nullopt);
  if (!container.ok()) return container.status();
  Layout layout;
  layout.version_major = le_field(bytes, bs::kOffsetVersionMajor, 2);
  layout.version_minor = le_field(bytes, bs::kOffsetVersionMinor, 2);
  layout.header_bytes = le_field(bytes, bs::kOffsetHeaderSize, 4);
  for (const auto& f : container->frames) layout.frame_bytes += chunk_bytes(f);
  layout.other_bytes = bytes.size() - layout.header_bytes - layout.frame_bytes - layout.end_bytes;
  if (json)
    print_json(name, bytes.size(), container.value(), layout);
  else
    print_text(name, bytes.size(), container.value(), layout);
  return Status::Ok();
}

}  // namespace bsq::cli

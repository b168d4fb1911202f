// bsqdec --info: a stream's description (bsq::inspect_stream), as text or one JSON line.
#include "stream_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "bsq/stream_info.h"
#include "cli_common.h"

namespace bsq::cli {
namespace {

// A video stream: more than one frame, or a frame rate (a one-frame clip keeps its rate).
bool is_video(const StreamInfo& s) { return s.frames != 1 || s.fps_num != 0; }

double seconds(const StreamInfo& s) {
  return s.fps_num != 0 ? static_cast<double>(s.frames) * s.fps_den / s.fps_num : 0;
}

// The GOPs: one FRAM chunk each, its first frame a key frame.
std::vector<const StreamChunk*> gops(const StreamInfo& s) {
  std::vector<const StreamChunk*> out;
  for (const auto& c : s.chunks)
    if (c.type == "FRAM") out.push_back(&c);
  return out;
}

double bits_per_pixel(const StreamInfo& s) {
  return 8.0 * static_cast<double>(s.bytes) / (static_cast<double>(s.width) * s.height * s.frames);
}

void print_json(const std::string& name, const StreamInfo& s) {
  JsonObject json;
  json.add("file", name).add("bytes", s.bytes).add("version", fmt::format("{}.{}", s.version_major, s.version_minor));
  json.add("width", s.width).add("height", s.height).add("frames", s.frames);
  json.add("fps_num", s.fps_num).add("fps_den", s.fps_den);
  json.add("model_fingerprint", fmt::format("{:016x}", s.model_fingerprint));
  json.add("patch", s.patch).add("bits", s.bits).add("bits_window", s.bits_window);
  json.add("grid_cols", s.grid_cols).add("grid_rows", s.grid_rows).add("prior", s.prior);
  json.add("residual_step", s.residual_step);
  uint64_t filter_bytes = 0;
  for (const auto& c : s.chunks)
    if (c.type == "FILT") filter_bytes = c.coded_bytes;
  json.add("filter_bytes", filter_bytes);
  JsonObject colour;
  colour.add("primaries", s.colour.primaries).add("transfer", s.colour.transfer);
  colour.add("matrix", s.colour.matrix).add("full_range", s.colour.full_range);
  colour.add("bit_depth", s.colour.bit_depth);
  json.add_raw("colour", colour.str());
  json.add("bpp", bits_per_pixel(s));
  json.add("video", is_video(s));
  if (s.fps_num != 0) json.add("seconds", seconds(s));
  std::vector<std::string> gop_list;
  for (const StreamChunk* c : gops(s)) {
    JsonObject gop;
    gop.add("first_frame", c->first_frame).add("frames", c->frame_count).add("offset", c->offset);
    gop.add("bytes", c->bytes);
    gop_list.push_back(gop.str());
  }
  json.add_raw("gops", json_array(gop_list));
  std::vector<std::string> chunks;
  for (const auto& c : s.chunks) {
    JsonObject chunk;
    chunk.add("type", c.type).add("offset", c.offset).add("bytes", c.bytes);
    if (c.type == "FRAM")
      chunk.add("coded_bytes", c.coded_bytes).add("first_frame", c.first_frame).add("frame_count", c.frame_count);
    if (c.type == "RESI") chunk.add("coded_bytes", c.coded_bytes);
    chunks.push_back(chunk.str());
  }
  json.add("header_bytes", s.header_bytes)
      .add_raw("chunks", json_array(chunks))
      .add("other_chunk_bytes", s.other_chunk_bytes);
  std::vector<std::string> metadata;
  for (const auto& [key, value] : s.metadata)
    metadata.push_back(JsonObject().add("key", key).add("value", value).str());
  json.add_raw("metadata", json_array(metadata));
  fmt::print("{}\n", json.str());
}

void print_text(const std::string& name, const StreamInfo& s) {
  fmt::print("{}: .bsq {}.{}, {} bytes, {:.4f} bpp\n", name, s.version_major, s.version_minor, s.bytes,
             bits_per_pixel(s));
  fmt::print("  picture   {}x{}, {} frame{}", s.width, s.height, s.frames, s.frames == 1 ? "" : "s");
  if (s.fps_num != 0)
    fmt::print(" at {}/{} fps ({:.3f} fps, {:.3f} s)", s.fps_num, s.fps_den, static_cast<double>(s.fps_num) / s.fps_den,
               seconds(s));
  if (is_video(s)) {
    uint32_t longest = 0;
    for (const StreamChunk* c : gops(s)) longest = std::max(longest, c->frame_count);
    const size_t count = gops(s).size();
    fmt::print("\n  video     {} GOP{} of up to {} frames; a decoder can start at any GOP's first frame", count,
               count == 1 ? "" : "s", longest);
  }
  if (s.bits_window != 0)
    fmt::print(
        "\n  model     fingerprint {:016x}, {}-pixel patches, up to {} bits per token, chosen per window of {}x{} "
        "tokens\n",
        s.model_fingerprint, s.patch, s.bits, s.bits_window, s.bits_window);
  else
    fmt::print("\n  model     fingerprint {:016x}, {}-pixel patches, {} bits per token\n", s.model_fingerprint, s.patch,
               s.bits);
  fmt::print("  tokens    {}x{} per frame (padding included), coded under prior revision {}\n", s.grid_cols,
             s.grid_rows, s.prior);
  fmt::print("  colour    primaries {}, transfer {}, matrix {}, {} range, {}-bit\n", s.colour.primaries,
             s.colour.transfer, s.colour.matrix, s.colour.full_range ? "full" : "limited", s.colour.bit_depth);
  fmt::print("  {:>10} {:>10}  chunk\n", "offset", "bytes");
  fmt::print("  {:>10} {:>10}  header\n", 0, s.header_bytes);
  for (const auto& c : s.chunks) {
    if (c.type != "FRAM") continue;
    fmt::print("  {:>10} {:>10}  FRAM frames {}..{} ({} bytes of coded tokens)\n", c.offset, c.bytes, c.first_frame,
               c.first_frame + c.frame_count - 1, c.coded_bytes);
  }
  for (const auto& c : s.chunks)
    if (c.type == "RESI")
      fmt::print("  {:>10} {:>10}  RESI residual layer, quantiser step {:.4g} ({} bytes of coded coefficients)\n",
                 c.offset, c.bytes, s.residual_step, c.coded_bytes);
  for (const auto& c : s.chunks)
    if (c.type == "FILT")
      fmt::print("  {:>10} {:>10}  FILT restoration filter ({} bytes of coded parameters)\n", c.offset, c.bytes,
                 c.coded_bytes);
  if (s.other_chunk_bytes != 0)
    fmt::print("  {:>10} {:>10}  other chunks (PRIO, WBIT, metadata)\n", "", s.other_chunk_bytes);
  for (const auto& c : s.chunks)
    if (c.type == "BEND") fmt::print("  {:>10} {:>10}  BEND\n", c.offset, c.bytes);
  for (const auto& [key, value] : s.metadata) fmt::print("  metadata  {} = {}\n", key, value);
}

}  // namespace

Status print_stream_info(const std::string& name, const std::vector<uint8_t>& bytes, bool json) {
  auto info = inspect_stream(bytes.data(), bytes.size());
  if (!info.ok()) return info.status();
  if (json)
    print_json(name, info.value());
  else
    print_text(name, info.value());
  return Status::Ok();
}

}  // namespace bsq::cli

// Stream inspection: the container reader's view of a stream, in the public API's terms.
#include "bsq/stream_info.h"

#include "byte_order.h"
#include "container_reader.h"

namespace bsq {

StatusOr<StreamInfo> inspect_stream(const uint8_t* data, size_t size) {
  namespace bs = bitstream;
  auto container = bs::read_container(data, size, std::nullopt);
  if (!container.ok()) return container.status();
  const bs::StreamHeader& h = container->header;
  StreamInfo info;
  info.bytes = size;
  // The reader validated the header, so these fields are in bounds.
  info.version_major = load_le<uint16_t>(data + bs::kOffsetVersionMajor);
  info.version_minor = load_le<uint16_t>(data + bs::kOffsetVersionMinor);
  info.header_bytes = load_le<uint32_t>(data + bs::kOffsetHeaderSize);
  info.width = h.width;
  info.height = h.height;
  info.frames = h.frames;
  info.fps_num = h.fps_num;
  info.fps_den = h.fps_den;
  info.model_fingerprint = h.model_fingerprint;
  info.patch = h.patch;
  info.bits = h.bits;
  info.bits_window = container->bits_window;
  info.prior = container->prior;
  info.grid_cols = h.grid_cols;
  info.grid_rows = h.grid_rows;
  info.colour.primaries = h.colour.primaries;
  info.colour.transfer = h.colour.transfer;
  info.colour.matrix = h.colour.matrix;
  info.colour.full_range = h.colour.full_range != 0;
  info.colour.bit_depth = h.colour.bit_depth;
  uint64_t frame_bytes = 0;
  for (const auto& f : container->frames) {
    StreamChunk chunk;
    chunk.type = "FRAM";
    chunk.offset = f.offset;
    chunk.bytes = bs::kChunkHeadSize + bs::kFramePrefixSize + f.coded.size() + bs::kChunkCrcSize;
    chunk.coded_bytes = f.coded.size();
    chunk.first_frame = f.first_frame;
    chunk.frame_count = f.frame_count;
    frame_bytes += chunk.bytes;
    info.chunks.push_back(chunk);
  }
  if (container->residual_step != 0) {
    StreamChunk residual;
    residual.type = "RESI";
    residual.offset = container->residual_offset;
    residual.bytes = bs::kChunkHeadSize + bs::kResidualPrefixSize + container->residual.size() + bs::kChunkCrcSize;
    residual.coded_bytes = container->residual.size();
    frame_bytes += residual.bytes;
    info.chunks.push_back(residual);
    info.residual_step = static_cast<double>(container->residual_step) / bs::kResidualStepOne;
  }
  if (!container->filter.empty()) {
    StreamChunk filter;
    filter.type = "FILT";
    filter.offset = container->filter_offset;
    filter.bytes = bs::kChunkHeadSize + container->filter.size() + bs::kChunkCrcSize;
    filter.coded_bytes = container->filter.size();
    frame_bytes += filter.bytes;
    info.chunks.push_back(filter);
  }
  StreamChunk end;
  end.type = "BEND";
  end.bytes = bs::kChunkHeadSize + bs::kEndPayloadSize + bs::kChunkCrcSize;
  end.offset = size - end.bytes;
  info.chunks.push_back(end);
  info.other_chunk_bytes = size - info.header_bytes - frame_bytes - end.bytes;
  for (const auto& m : container->metadata) info.metadata.emplace_back(m.key, m.value);
  return info;
}

}  // namespace bsq

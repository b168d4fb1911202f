// What a .bsq stream holds, without a model: its header fields and where every byte went. The
// whole stream is validated first (man bsq.5), so a damaged one fails as decoding would.
//
// Usage:
//   auto info = bsq::inspect_stream(bytes.data(), bytes.size());
//   if (info.ok()) printf("%ux%u, %u frames, model %016llx\n", info->width, info->height,
//                         info->frames, (unsigned long long)info->model_fingerprint);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bsq/export.h"
#include "bsq/status.h"

namespace bsq {

struct StreamChunk {
  std::string type;                           // "FRAM" (coded frames), "RESI" (residual layer) or "BEND" (end marker)
  uint64_t offset = 0;                        // first byte of the chunk in the stream
  uint64_t bytes = 0;                         // the whole chunk, framing and CRC included
  uint64_t coded_bytes = 0;                   // FRAM: entropy-coded token bytes; RESI: coefficient bytes
  uint32_t first_frame = 0, frame_count = 0;  // FRAM: the frames it codes
};

struct StreamInfo {
  uint64_t bytes = 0;  // the whole stream
  int version_major = 0, version_minor = 0;
  uint64_t header_bytes = 0;
  uint32_t width = 0, height = 0, frames = 0;
  uint32_t fps_num = 0, fps_den = 1;  // 0/1: a still image, or an unknown rate
  uint64_t model_fingerprint = 0;
  int patch = 0, bits = 0;                // bits: per token, or the most any window keeps (bits_window)
  uint32_t bits_window = 0;               // tokens per window side when each window keeps its own bits; 0: none
  uint32_t grid_cols = 0, grid_rows = 0;  // tokens per frame, padding included
  uint32_t prior = 1;                     // the revision of the entropy coder's prior the tokens are coded with
  double residual_step = 0;               // a still image's residual layer: its quantiser step; 0: none
  struct {
    int primaries = 0, transfer = 0, matrix = 0;
    bool full_range = true;
    int bit_depth = 8;
  } colour;
  std::vector<StreamChunk> chunks;                            // the FRAM chunks in stream order, RESI, FILT, then BEND
  uint64_t other_chunk_bytes = 0;                             // every other chunk: PRIO, WBIT, metadata, ancillary
  std::vector<std::pair<std::string, std::string>> metadata;  // key, value
};

BSQ_API StatusOr<StreamInfo> inspect_stream(const uint8_t* data, size_t size);

}  // namespace bsq

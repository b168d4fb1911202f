// Reads and validates .bsq streams; every error names the problem and its byte position (man/bsq.5).
//
// Usage:
//   std::vector<uint8_t> bytes = ...;   // the whole file
//   auto c = bsq::bitstream::read_container(bytes.data(), bytes.size(), tokenizer.fingerprint());
//   if (!c.ok()) { fprintf(stderr, "bsqdec: %s\n", c.status().message().c_str()); return 1; }
//   for (const auto& chunk : c->frames)            // in frame order, no gaps
//     decode(chunk.coded, chunk.first_frame, chunk.frame_count);
//
//   auto h = bsq::bitstream::read_header(bytes.data(), bytes.size());  // bsqdec --info: header only
//
// Errors (bsq::Status): kInvalidData for a truncated, damaged or inconsistent stream, kUnsupported
// for an unknown major version or unknown critical chunk, kModelMismatch for a stream made with
// another model. The reader never trusts a size it has not checked against the caps in
// container_format.h and the bytes left, so any input is safe to feed it (see fuzz/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "bsq/status.h"
#include "container_format.h"

namespace bsq::bitstream {

// Magic, version, header CRC and every header field; needs only the header's bytes.
StatusOr<StreamHeader> read_header(const uint8_t* data, size_t size);

// The whole stream: header, then every chunk's length and CRC, frame order and the end marker.
// With expected_fingerprint, a stream made with another model is refused before its chunks are read.
StatusOr<Container> read_container(const uint8_t* data, size_t size, std::optional<uint64_t> expected_fingerprint);

}  // namespace bsq::bitstream

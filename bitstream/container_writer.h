// Writes .bsq streams: header, FRAM / meta chunks with CRC-32, BEND end marker (format: man/bsq.5).
//
// Usage, streaming (an encoder that writes each group of frames as soon as it is coded):
//   bsq::bitstream::StreamHeader header;
//   header.model_fingerprint = tokenizer.fingerprint();
//   header.width = 640; header.height = 480; header.frames = 2; header.fps_num = 25;
//   header.grid_cols = 80; header.grid_rows = 64; header.patch = 8; header.bits = 32;
//   auto writer = bsq::bitstream::ContainerWriter::start(header);
//   if (!writer.ok()) return writer.status();
//   BSQ_RETURN_IF_ERROR(writer->add_metadata({"encoder", "bsqenc 0.1.0"}));
//   BSQ_RETURN_IF_ERROR(writer->add_frames(0, 2, coded.data(), coded.size()));
//   out.write(writer->take_bytes());            // optional: hand over what is finished so far
//   BSQ_RETURN_IF_ERROR(writer->finish());       // appends BEND; fails if frames are missing
//   out.write(writer->take_bytes());
//
// Or all at once: StatusOr<std::vector<uint8_t>> bytes = write_container(container);
//
// The writer refuses (kInvalidArgument) anything the reader would refuse, so it cannot produce
// a stream that bsq cannot read back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bsq/status.h"
#include "container_format.h"
#include "container_stream.h"

namespace bsq::bitstream {

class ContainerWriter {
 public:
  // Validates the header and emits it. header.frames may be 0 (a clip from a pipe, its length not
  // known yet): the stream is then version 1.1 and BEND carries the count.
  static StatusOr<ContainerWriter> start(const StreamHeader& header);

  // Frames must come in order: first_frame is the number of frames added so far. One call = one
  // FRAM chunk = one GOP; with more than one, finish() writes the gidx index (version 1.1).
  Status add_frames(uint32_t first_frame, uint32_t frame_count, const uint8_t* coded, size_t size);
  Status add_metadata(const Metadata& entry);
  // Writes the WBIT chunk (version 1.2): the FRAM chunks code bits per window of `window` tokens a
  // side, 1..kMaxBitsWindow. Only before any FRAM or metadata chunk and before take_bytes().
  Status add_bits_window(uint32_t window);
  // Writes the PRIO chunk (version 1.3): the FRAM chunks are coded under prior revision `revision`
  // (> kPriorWithoutChunk; for revision 1 write nothing). At the same point as add_bits_window().
  Status add_prior(uint32_t revision);
  // Writes the RESI chunk (version 1.4): a still image's residual, its quantiser step in
  // 1/kResidualStepOne units (1..kMaxResidualStep) and its coded bytes. Only in a stream of one
  // frame, once, after its FRAM chunk and before finish(), and before take_bytes() (the header's
  // version minor changes).
  Status add_residual(uint32_t step, const uint8_t* coded, size_t size);
  // Writes the FILT chunk (version 1.5): a still image's restoration filter, its coded parameters (at
  // least one byte). Under the same rules as add_residual().
  Status add_filter(const uint8_t* coded, size_t size);
  // Appends the index (more than one FRAM chunk) and the end marker once every frame of the header
  // has been added (at least one when the header said 0); nothing may follow.
  Status finish();

  // Returns the bytes produced since the last call (all of them the first time). For a header of
  // more than one frame it returns nothing before the first add_frames(): the version minor in the
  // header depends on whether that first FRAM chunk holds every frame (then no index, 1.0).
  std::vector<uint8_t> take_bytes();
  uint64_t bytes_written() const { return taken_ + pending_.size(); }

 private:
  explicit ContainerWriter(const StreamHeader& header) : header_(header) {}
  void append_chunk(uint32_t type, const std::vector<uint8_t>& prefix, const uint8_t* body, size_t body_size);
  // A chunk whose payload is one u32 (WBIT, PRIO).
  void append_setting(uint32_t type, uint32_t value);
  Status check_still_chunk(uint32_t type, const char* what, bool seen) const;
  // Raises the header's version minor to at least `minor` while the header is still pending.
  void require_minor(uint16_t minor);
  // Whether a chunk that must precede the FRAM chunks (WBIT, PRIO) can still be added.
  bool before_frames() const { return taken_ == 0 && frame_chunks_ == 0 && metadata_chunks_ == 0 && !finished_; }

  StreamHeader header_;
  std::vector<uint8_t> pending_;
  uint64_t taken_ = 0;
  uint32_t frames_added_ = 0, frame_chunks_ = 0;
  std::vector<GopEntry> gops_;  // each FRAM chunk's frames and offset, for the index
  bool minor_decided_ = true;
  size_t metadata_chunks_ = 0;
  bool finished_ = false;
  bool has_bits_window_ = false, has_prior_ = false, has_residual_ = false, has_filter_ = false;
};

// Header, metadata chunks, frame chunks, the residual, end marker: the stream read_container(...)
// returns as c.
StatusOr<std::vector<uint8_t>> write_container(const Container& c);

}  // namespace bsq::bitstream

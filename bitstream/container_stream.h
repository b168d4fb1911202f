// Reading .bsq streams chunk by chunk, from a file or a pipe, and seeking in them by their index
// (container 1.1, man/bsq.5): what a video decoder needs to hold one group of frames at a time.
//
// Usage, front to back (a pipe or a file):
//   auto source = bsq::bitstream::open_file_source("clip.bsq");        // "-": stdin
//   if (!source.ok()) return source.status();
//   auto reader = bsq::bitstream::ChunkReader::open(std::move(source.value()), fingerprint);
//   if (!reader.ok()) return reader.status();
//   while (true) {
//     auto chunk = reader->next_frames();                 // validated: length, CRC, frame order
//     if (!chunk.ok()) return chunk.status();             // names the chunk, its frames and byte
//     if (!chunk->has_value()) break;                     // BEND read and its totals checked
//     decode((*chunk)->coded, (*chunk)->first_frame, (*chunk)->frame_count);
//   }
//
// Seeking (a seekable source only):
//   auto index = reader->read_index();                    // from the end of the stream
//   const GopEntry& gop = (*index)->gop_of(frame);        // the GOP holding `frame`
//   reader->seek_to(gop);                                 // next_frames() now returns that GOP
//
// Errors as read_container()'s: kInvalidData for truncated, damaged or inconsistent bytes (with
// the byte position and, for a FRAM chunk, its frame range), kUnsupported for an unknown major
// version or critical chunk, kModelMismatch for another model's stream, kIoError for a read error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bsq/status.h"
#include "container_format.h"

namespace bsq::bitstream {

// Where stream bytes come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into dst; fewer only at the end of the data. kIoError on a read error.
  virtual StatusOr<size_t> read(uint8_t* dst, size_t n) = 0;
  // Seekable sources (regular files, memory) know their size and can jump; pipes cannot.
  virtual bool seekable() const = 0;
  virtual uint64_t size() const = 0;         // seekable sources only
  virtual Status seek(uint64_t offset) = 0;  // seekable sources only; kUnsupported otherwise
  virtual uint64_t position() const = 0;     // bytes from the start of the stream
};

// A file ("-": stdin, not seekable). kIoError naming the path when it cannot be opened.
StatusOr<std::unique_ptr<ByteSource>> open_file_source(const std::string& path);
// Bytes in memory, not copied: they must outlive the source. Seekable.
std::unique_ptr<ByteSource> memory_source(const uint8_t* data, size_t size);

// One group of pictures: a FRAM chunk, as the index lists it.
struct GopEntry {
  uint32_t first_frame = 0, frame_count = 0;
  uint64_t offset = 0;  // first byte of the FRAM chunk in the stream
};

struct StreamIndex {
  uint32_t total_frames = 0;   // BEND's count
  std::vector<GopEntry> gops;  // in frame order, tiling 0..total_frames-1
  // The entry whose frames include `frame` (frame < total_frames).
  const GopEntry& gop_of(uint32_t frame) const;
};

class ChunkReader {
 public:
  // Reads and validates the header; with expected_fingerprint, another model's stream is refused
  // here (kModelMismatch), before any chunk is read.
  static StatusOr<ChunkReader> open(std::unique_ptr<ByteSource> source, std::optional<uint64_t> expected_fingerprint);
  ChunkReader(ChunkReader&&) noexcept;
  ChunkReader& operator=(ChunkReader&&) noexcept;
  ~ChunkReader();

  const StreamHeader& header() const;
  int version_minor() const;

  // The next FRAM chunk, after any metadata and ancillary chunks before it (metadata() collects the
  // metadata ones); nullopt once the end marker has been read and its totals checked against the
  // chunks read. Frame chunks must continue where the previous one ended (after seek_to(), where
  // the entry begins); the header's frame count, when not 0, bounds them.
  StatusOr<std::optional<FrameChunk>> next_frames();

  // The index chunk (1.1) at the end of the stream, validated: its CRC, that its entries tile the
  // frames in order and agree with BEND's totals. nullopt when the stream has none (a 1.0 stream,
  // or one of a single FRAM chunk); kUnsupported on a source that cannot seek; kInvalidData when
  // it or the end marker is damaged. Leaves the read position where it was.
  StatusOr<std::optional<StreamIndex>> read_index();

  // Moves to a GOP of read_index()'s: the next next_frames() reads the chunk at entry.offset, which
  // must be a FRAM chunk coding exactly entry's frames (kInvalidData otherwise).
  Status seek_to(const GopEntry& entry);

  const std::vector<Metadata>& metadata() const;
  // The WBIT chunk's window side (version 1.2), once it has been read (it precedes the first FRAM
  // chunk); 0 without one.
  uint32_t bits_window() const;
  // The PRIO chunk's prior revision (version 1.3), once it has been read (it precedes the first
  // FRAM chunk); kPriorWithoutChunk without one.
  uint32_t prior() const;
  // The RESI chunk (version 1.4): a still image's residual, once it has been read (it follows the
  // FRAM chunk: have it once next_frames() has returned nullopt); step 0 and no bytes without one.
  uint32_t residual_step() const;
  const std::vector<uint8_t>& residual() const;
  uint64_t residual_offset() const;  // where the RESI chunk starts in the stream
  // The FILT chunk (version 1.5): a still image's restoration filter, once it has been read (it
  // follows the FRAM chunk); empty without one.
  const std::vector<uint8_t>& filter() const;
  uint64_t filter_offset() const;  // where the FILT chunk starts in the stream

 private:
  struct Impl;
  explicit ChunkReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsq::bitstream

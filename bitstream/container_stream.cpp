// ChunkReader: the .bsq chunk parser (man/bsq.5 VALIDATION), one chunk in memory at a time, and
// seeking to the GOPs of the gidx index (read in container_index.cpp). read_container() is a loop
// over it on a memory source.
//
// After seek_to(), chunks are named by byte position only (their number is not known), the gidx
// chunk is not compared with the FRAM chunks (most were skipped), and BEND's chunk total is checked
// against the index read_index() returned (its frame total against where the frames ended).
#include "container_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "byte_order.h"
#include "container_detail.h"

namespace bsq::bitstream {

using detail::frame_range;
using detail::invalid_data;
using detail::kEnforceCrc;
using detail::read_fully;
using detail::truncated;

const GopEntry& StreamIndex::gop_of(uint32_t frame) const {
  // gops tile 0..total_frames-1 in order: the last one starting at or before `frame`.
  static const GopEntry kNone{};  // only for an empty index, where no frame has a GOP
  if (gops.empty()) return kNone;
  auto it = std::upper_bound(gops.begin(), gops.end(), frame,
                             [](uint32_t f, const GopEntry& g) { return f < g.first_frame; });
  return it == gops.begin() ? gops.front() : *(it - 1);
}

StatusOr<size_t> detail::read_fully(ByteSource& src, uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    auto r = src.read(dst + got, n - got);
    if (!r.ok()) return r.status();
    if (r.value() == 0) break;
    got += r.value();
  }
  return got;
}

namespace {

// A pipe's chunk is read in blocks that double from 64 KiB to 16 MiB, so a length that lies costs
// at most about twice the bytes actually sent.
constexpr size_t kFirstReadBlock = size_t{1} << 16;
constexpr size_t kMaxReadBlock = size_t{1} << 24;

}  // namespace

struct ChunkReader::Impl {
  std::unique_ptr<ByteSource> src;
  StreamHeader header;
  size_t header_size = 0;
  int version_minor = 0;
  std::vector<Metadata> metadata;
  uint32_t bits_window = 0;       // the WBIT chunk's, 0 without one
  std::optional<uint32_t> prior;  // the PRIO chunk's, once read
  uint32_t residual_step = 0;     // the RESI chunk's, 0 without one
  std::vector<uint8_t> residual;
  uint64_t residual_offset = 0;
  std::vector<uint8_t> filter;  // the FILT chunk's payload, empty without one
  uint64_t filter_offset = 0;

  size_t chunk_number = 0;     // of the last chunk read, counting from 1; 0 after a seek
  uint32_t next_frame = 0;     // where the next FRAM chunk must start
  uint32_t frame_chunks = 0;   // FRAM chunks read (without a seek)
  std::vector<GopEntry> read;  // the FRAM chunks read, for the gidx check (without a seek)
  std::string index_where;     // set once a gidx chunk was read: only BEND may follow it
  bool seeked = false;
  std::optional<GopEntry> target;  // the seek_to() entry the next chunk must code
  std::optional<StreamIndex> index;
  bool done = false;
  Status failed;  // sticky: a reader past an error does not resynchronise

  // One chunk, its length and CRC checked; payload owns its bytes.
  struct Chunk {
    uint32_t type = 0, length = 0;
    uint64_t offset = 0;
    std::vector<uint8_t> bytes;  // the whole chunk: head, payload, CRC
    const uint8_t* payload() const { return bytes.data() + kChunkHeadSize; }
    std::string range;  // "frames a-b" for a FRAM chunk whose frames are known
    std::string name;   // "chunk 3 (FRAM, frames 2-2)"
    std::string where() const { return fmt::format("{} at byte {}", name, offset); }
  };

  uint32_t frame_bound() const { return header.frames != 0 ? header.frames : kMaxFrames; }

  // The frame range of a FRAM chunk when known: the seek target's, or its prefix's when that is what
  // the stream expects next (a prefix that is not cannot be trusted to name anything).
  std::string range_of(const uint8_t* prefix, size_t have) const {
    if (target) return frame_range(target->first_frame, target->frame_count);
    if (have < kFramePrefixSize) return "";
    const auto first = load_le<uint32_t>(prefix), count = load_le<uint32_t>(prefix + 4);
    if (first != next_frame || count < 1 || count > frame_bound() - next_frame) return "";
    return frame_range(first, count);
  }

  void name_chunk(Chunk& c) const {
    const std::string label = c.range.empty() ? fourcc_name(c.type) : fourcc_name(c.type) + ", " + c.range;
    c.name = chunk_number > 0 ? fmt::format("chunk {} ({})", chunk_number, label) : fmt::format("chunk ({})", label);
  }

  StatusOr<Chunk> read_chunk();
  Status take_frames(Chunk& c, FrameChunk& out);
  Status take_metadata(const Chunk& c);
  // A chunk that carries one u32 setting of the whole stream (WBIT, PRIO): at most one (`seen`), in
  // a stream of version 1.since_minor or later, before the first FRAM chunk; its value, unchecked.
  StatusOr<uint32_t> take_setting(const Chunk& c, bool seen, uint16_t since_minor) const;
  Status take_bits_window(const Chunk& c);
  Status take_prior(const Chunk& c);
  Status check_still_chunk(const Chunk& c, std::optional<uint64_t> seen_at, uint16_t since_minor) const;
  Status take_residual(const Chunk& c);
  Status take_filter(const Chunk& c);
  Status take_index(const Chunk& c);
  Status check_end(const Chunk& c);
  StatusOr<std::optional<FrameChunk>> next();
};

StatusOr<ChunkReader::Impl::Chunk> ChunkReader::Impl::read_chunk() {
  if (!seeked) ++chunk_number;
  Chunk c;
  c.offset = src->position();
  c.bytes.resize(kChunkHeadSize);
  auto got = read_fully(*src, c.bytes.data(), kChunkHeadSize);
  if (!got.ok()) return got.status();
  if (got.value() == 0 && seeked)
    return invalid_data(fmt::format("missing end marker: stream ends at byte {}", c.offset));
  if (got.value() == 0)
    return invalid_data(
        fmt::format("missing end marker: stream ends at byte {} after {} chunks", c.offset, chunk_number - 1));
  if (got.value() < kChunkHeadSize)
    return truncated(chunk_number > 0 ? fmt::format("chunk {}", chunk_number) : "chunk", c.offset, kChunkHeadSize,
                     got.value());
  c.type = load_le<uint32_t>(c.bytes.data());
  c.length = load_le<uint32_t>(c.bytes.data() + 4);
  name_chunk(c);
  if (c.length > kMaxChunkPayload)
    return invalid_data(
        fmt::format("invalid {}: payload length {} over the cap of {} bytes", c.where(), c.length, kMaxChunkPayload));
  const uint64_t needs = uint64_t{kChunkHeadSize} + c.length + kChunkCrcSize;
  // A seekable source knows what is left, so the allocation is never more than the bytes there are;
  // a pipe is read in growing blocks.
  uint64_t limit = needs;
  if (src->seekable() && needs > src->size() - c.offset)
    limit = std::min<uint64_t>(src->size() - c.offset, kChunkHeadSize + kFramePrefixSize);  // names the frames
  while (c.bytes.size() < limit) {
    const size_t at = c.bytes.size();
    const size_t grow = std::min(std::max(at, kFirstReadBlock), kMaxReadBlock);
    const size_t block = static_cast<size_t>(std::min<uint64_t>(limit - at, grow));
    c.bytes.resize(at + block);
    auto r = read_fully(*src, c.bytes.data() + at, block);
    if (!r.ok()) return r.status();
    c.bytes.resize(at + r.value());
    if (r.value() < block) break;
  }
  if (c.type == kChunkFrames) {
    c.range = range_of(c.payload(), std::min<size_t>(c.bytes.size() - kChunkHeadSize, c.length));
    name_chunk(c);
  }
  if (c.bytes.size() < needs) {
    const uint64_t left = src->seekable() ? src->size() - c.offset : c.bytes.size();
    return truncated(c.name, c.offset, needs, left);
  }
  const auto stored_crc = load_le<uint32_t>(c.payload() + c.length);
  const auto crc = crc32_of(c.bytes.data(), kChunkHeadSize + c.length);
  if (kEnforceCrc && stored_crc != crc)
    return invalid_data(
        fmt::format("damaged {}: CRC mismatch (stored {:08x}, computed {:08x})", c.where(), stored_crc, crc));
  return c;
}

Status ChunkReader::Impl::take_frames(Chunk& c, FrameChunk& out) {
  if (c.length < kFramePrefixSize)
    return invalid_data(fmt::format("invalid {}: payload of {} bytes, shorter than its {}-byte frame prefix", c.where(),
                                    c.length, kFramePrefixSize));
  const auto first = load_le<uint32_t>(c.payload());
  const auto count = load_le<uint32_t>(c.payload() + 4);
  if (target && (first != target->first_frame || count != target->frame_count))
    return invalid_data(fmt::format("invalid {}: the chunk codes {} frames from frame {}, not the GOP seeked to",
                                    c.where(), count, first));
  if (first != next_frame)
    return invalid_data(
        fmt::format("frames out of order: {} starts at frame {}, expected frame {}", c.where(), first, next_frame));
  if (count < 1 || count > frame_bound() - next_frame) {  // next_frame <= frame_bound() always holds here
    if (header.frames == 0)
      return invalid_data(fmt::format("invalid {}: {} frames from frame {}, over the cap of {} frames", c.where(),
                                      count, first, kMaxFrames));
    return invalid_data(fmt::format("invalid {}: {} frames from frame {}, the stream has {} frames", c.where(), count,
                                    first, header.frames));
  }
  out.first_frame = first;
  out.frame_count = count;
  out.coded.assign(c.payload() + kFramePrefixSize, c.payload() + c.length);
  out.offset = c.offset;
  next_frame += count;
  ++frame_chunks;
  if (!seeked) read.push_back({first, count, c.offset});  // bounded: each chunk holds >= 1 frame
  target.reset();
  return Status::Ok();
}

Status ChunkReader::Impl::take_metadata(const Chunk& c) {
  if (metadata.size() >= kMaxMetadataChunks)
    return invalid_data(fmt::format("invalid {}: more than {} metadata chunks", c.where(), kMaxMetadataChunks));
  const auto* end = c.payload() + c.length;
  const auto* nul = std::find(c.payload(), end, uint8_t{0});
  if (nul == end) return invalid_data(fmt::format("invalid {}: no NUL after the key", c.where()));
  Metadata entry{std::string(c.payload(), nul), std::string(nul + 1, end)};
  const Status valid = validate_metadata(entry);
  if (!valid.ok()) return invalid_data(fmt::format("invalid {}: {}", c.where(), valid.message()));
  metadata.push_back(std::move(entry));
  return Status::Ok();
}

StatusOr<uint32_t> ChunkReader::Impl::take_setting(const Chunk& c, bool seen, uint16_t since_minor) const {
  if (seen) return invalid_data(fmt::format("invalid {}: a second {} chunk", c.where(), fourcc_name(c.type)));
  if (version_minor < since_minor)
    return invalid_data(fmt::format("invalid {}: a stream of version 1.{} has none (1.{} added it)", c.where(),
                                    version_minor, since_minor));
  if (frame_chunks > 0 || seeked)
    return invalid_data(fmt::format("invalid {}: it must come before the first FRAM chunk", c.where()));
  if (c.length != 4)
    return invalid_data(fmt::format("invalid {}: payload of {} bytes, expected 4", c.where(), c.length));
  return load_le<uint32_t>(c.payload());
}

Status ChunkReader::Impl::take_bits_window(const Chunk& c) {
  static_assert(kWindowBitsPayloadSize == 4);
  auto setting = take_setting(c, bits_window != 0, kVersionMinorWindowBits);
  if (!setting.ok()) return setting.status();
  const uint32_t window = setting.value();
  if (window < 1 || window > kMaxBitsWindow)
    return invalid_data(
        fmt::format("invalid {}: window of {} tokens (must be 1..{})", c.where(), window, kMaxBitsWindow));
  bits_window = window;
  return Status::Ok();
}

Status ChunkReader::Impl::take_prior(const Chunk& c) {
  static_assert(kPriorPayloadSize == 4);
  auto setting = take_setting(c, prior.has_value(), kVersionMinorPrior);
  if (!setting.ok()) return setting.status();
  const uint32_t revision = setting.value();
  if (revision <= kPriorWithoutChunk)
    return invalid_data(fmt::format("invalid {}: prior revision {} (a stream without the chunk is revision {})",
                                    c.where(), revision, kPriorWithoutChunk));
  prior = revision;
  return Status::Ok();
}

// The rules of a still image's chunk after its tokens (RESI, FILT): once, in a stream of version
// 1.since_minor or later, of one frame, after the FRAM chunk. A chunk read again after a seek_to()
// (a seek back to the FRAM chunk) is not a second one: `seen_at` is where the first one was, if any.
Status ChunkReader::Impl::check_still_chunk(const Chunk& c, std::optional<uint64_t> seen_at,
                                            uint16_t since_minor) const {
  if (seen_at && *seen_at != c.offset)
    return invalid_data(fmt::format("invalid {}: a second {} chunk", c.where(), fourcc_name(c.type)));
  if (version_minor < since_minor)
    return invalid_data(fmt::format("invalid {}: a stream of version 1.{} has none (1.{} added it)", c.where(),
                                    version_minor, since_minor));
  if (header.frames != 1)
    return invalid_data(
        fmt::format("invalid {}: only a still image has one, the header says {} frames", c.where(), header.frames));
  if (frame_chunks == 0) return invalid_data(fmt::format("invalid {}: it must come after the FRAM chunk", c.where()));
  return Status::Ok();
}

Status ChunkReader::Impl::take_residual(const Chunk& c) {
  BSQ_RETURN_IF_ERROR(
      check_still_chunk(c, residual_step != 0 ? std::optional(residual_offset) : std::nullopt, kVersionMinorResidual));
  if (c.length < kResidualPrefixSize)
    return invalid_data(fmt::format("invalid {}: payload of {} bytes, shorter than its {}-byte quantiser step",
                                    c.where(), c.length, kResidualPrefixSize));
  const auto step = load_le<uint32_t>(c.payload());
  if (step < 1 || step > kMaxResidualStep)
    return invalid_data(fmt::format("invalid {}: quantiser step {} (must be 1..{}, in 1/{} units)", c.where(), step,
                                    kMaxResidualStep, kResidualStepOne));
  residual_step = step;
  residual.assign(c.payload() + kResidualPrefixSize, c.payload() + c.length);
  residual_offset = c.offset;
  return Status::Ok();
}

Status ChunkReader::Impl::take_filter(const Chunk& c) {
  BSQ_RETURN_IF_ERROR(
      check_still_chunk(c, !filter.empty() ? std::optional(filter_offset) : std::nullopt, kVersionMinorFilter));
  if (c.length == 0) return invalid_data(fmt::format("invalid {}: an empty payload", c.where()));
  filter.assign(c.payload(), c.payload() + c.length);
  filter_offset = c.offset;
  return Status::Ok();
}

// Read in order, the index must list exactly the FRAM chunks read before it.
Status ChunkReader::Impl::take_index(const Chunk& c) {
  auto gops = detail::decode_index(c.payload(), c.length, c.where());
  if (!gops.ok()) return gops.status();
  index_where = c.where();
  if (seeked) return Status::Ok();
  if (gops->size() != read.size())
    return invalid_data(
        fmt::format("invalid {}: lists {} FRAM chunks, the stream has {}", c.where(), gops->size(), read.size()));
  for (size_t i = 0; i < read.size(); ++i) {
    const GopEntry &g = gops.value()[i], &r = read[i];
    if (g.first_frame != r.first_frame || g.frame_count != r.frame_count || g.offset != r.offset)
      return invalid_data(
          fmt::format("invalid {}: entry {} says {} frames from frame {} at byte {}, the FRAM chunk "
                      "there is {} at byte {}",
                      c.where(), i + 1, g.frame_count, g.first_frame, g.offset,
                      frame_range(r.first_frame, r.frame_count), r.offset));
  }
  return Status::Ok();
}

Status ChunkReader::Impl::check_end(const Chunk& c) {
  if (c.length != kEndPayloadSize)
    return invalid_data(
        fmt::format("invalid end marker, {}: payload of {} bytes, expected {}", c.where(), c.length, kEndPayloadSize));
  const auto frames = load_le<uint32_t>(c.payload());
  const auto chunks = load_le<uint32_t>(c.payload() + 4);
  if (header.frames != 0 && next_frame != header.frames)
    return invalid_data(
        fmt::format("missing frames: end marker, {}, after {} of {} frames", c.where(), next_frame, header.frames));
  if (next_frame == 0) return invalid_data(fmt::format("missing frames: end marker, {}, before any frame", c.where()));
  // After a seek the chunks before the target were skipped: the index read_index() validated
  // against this same BEND stands for them (without one, only the frame total can be checked).
  const uint32_t chunks_seen = !seeked ? frame_chunks : index ? static_cast<uint32_t>(index->gops.size()) : chunks;
  if (frames != next_frame || chunks != chunks_seen)
    return invalid_data(
        fmt::format("invalid end marker, {}: counts {} frames in {} FRAM chunks, the stream has {} in {}", c.where(),
                    frames, chunks, next_frame, chunks_seen));
  const uint64_t end = c.offset + kEndChunkSize;
  uint64_t trailing = 0;
  if (src->seekable()) {
    trailing = src->size() - end;
  } else {
    std::vector<uint8_t> sink(1 << 16);
    for (;;) {
      auto r = src->read(sink.data(), sink.size());
      if (!r.ok()) return r.status();
      if (r.value() == 0) break;
      trailing += r.value();
    }
  }
  if (trailing != 0)
    return invalid_data(fmt::format("trailing data: {} bytes after the end marker, {}", trailing, c.where()));
  return Status::Ok();
}

StatusOr<std::optional<FrameChunk>> ChunkReader::Impl::next() {
  while (true) {
    auto chunk = read_chunk();
    if (!chunk.ok()) return chunk.status();
    Chunk& c = chunk.value();
    if (target && c.type != kChunkFrames)
      return invalid_data(fmt::format("invalid {}: the seek target is not the FRAM chunk of {}", c.where(),
                                      frame_range(target->first_frame, target->frame_count)));
    if (!index_where.empty() && c.type != kChunkEnd)
      return invalid_data(fmt::format("invalid {}: {} follows it, only the end marker may", index_where, c.name));
    if (c.type == kChunkFrames) {
      FrameChunk out;
      BSQ_RETURN_IF_ERROR(take_frames(c, out));
      return std::optional<FrameChunk>(std::move(out));
    }
    if (c.type == kChunkMetadata) {
      BSQ_RETURN_IF_ERROR(take_metadata(c));
    } else if (c.type == kChunkWindowBits) {
      BSQ_RETURN_IF_ERROR(take_bits_window(c));
    } else if (c.type == kChunkPrior) {
      BSQ_RETURN_IF_ERROR(take_prior(c));
    } else if (c.type == kChunkResidual) {
      BSQ_RETURN_IF_ERROR(take_residual(c));
    } else if (c.type == kChunkFilter) {
      BSQ_RETURN_IF_ERROR(take_filter(c));
    } else if (c.type == kChunkIndex) {
      BSQ_RETURN_IF_ERROR(take_index(c));
    } else if (c.type == kChunkEnd) {
      BSQ_RETURN_IF_ERROR(check_end(c));
      done = true;
      return std::optional<FrameChunk>();
    } else if (!is_ancillary(c.type)) {
      return Status(StatusCode::kUnsupported, fmt::format("unknown critical {}", c.where()));
    }  // else: an ancillary chunk this reader does not know; its CRC was fine, skip it
  }
}

ChunkReader::ChunkReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChunkReader::ChunkReader(ChunkReader&&) noexcept = default;
ChunkReader& ChunkReader::operator=(ChunkReader&&) noexcept = default;
ChunkReader::~ChunkReader() = default;

StatusOr<ChunkReader> ChunkReader::open(std::unique_ptr<ByteSource> source,
                                        std::optional<uint64_t> expected_fingerprint) {
  if (!source) return Status(StatusCode::kInvalidArgument, "no byte source");
  // The fixed part first, then as much more as the header says it has (at most kMaxHeaderSize), so
  // a pipe is not read past the header; parse_header gives the same messages as on a whole buffer.
  std::vector<uint8_t> bytes(kOffsetFingerprint);
  auto got = read_fully(*source, bytes.data(), bytes.size());
  if (!got.ok()) return got.status();
  bytes.resize(got.value());
  if (bytes.size() == kOffsetFingerprint) {
    const auto header_size = load_le<uint32_t>(bytes.data() + kOffsetHeaderSize);
    if (header_size > kOffsetFingerprint && header_size <= kMaxHeaderSize) {
      bytes.resize(header_size);
      auto rest = read_fully(*source, bytes.data() + kOffsetFingerprint, header_size - kOffsetFingerprint);
      if (!rest.ok()) return rest.status();
      bytes.resize(kOffsetFingerprint + rest.value());
    }
  }
  auto parsed = detail::parse_header(bytes.data(), bytes.size());
  if (!parsed.ok()) return parsed.status();
  if (expected_fingerprint && *expected_fingerprint != parsed->header.model_fingerprint)
    return Status(StatusCode::kModelMismatch, fmt::format("stream made with model {:016x}, this model is {:016x}",
                                                          parsed->header.model_fingerprint, *expected_fingerprint));
  auto impl = std::make_unique<Impl>();
  impl->src = std::move(source);
  impl->header = parsed->header;
  impl->header_size = parsed->size;
  impl->version_minor = parsed->version_minor;
  return ChunkReader(std::move(impl));
}

const StreamHeader& ChunkReader::header() const { return impl_->header; }
int ChunkReader::version_minor() const { return impl_->version_minor; }
const std::vector<Metadata>& ChunkReader::metadata() const { return impl_->metadata; }
uint32_t ChunkReader::bits_window() const { return impl_->bits_window; }
uint32_t ChunkReader::prior() const { return impl_->prior.value_or(kPriorWithoutChunk); }
uint32_t ChunkReader::residual_step() const { return impl_->residual_step; }
const std::vector<uint8_t>& ChunkReader::residual() const { return impl_->residual; }
uint64_t ChunkReader::residual_offset() const { return impl_->residual_offset; }
const std::vector<uint8_t>& ChunkReader::filter() const { return impl_->filter; }
uint64_t ChunkReader::filter_offset() const { return impl_->filter_offset; }

StatusOr<std::optional<FrameChunk>> ChunkReader::next_frames() {
  if (!impl_->failed.ok()) return impl_->failed;
  if (impl_->done) return std::optional<FrameChunk>();
  auto chunk = impl_->next();
  if (!chunk.ok()) impl_->failed = chunk.status();
  return chunk;
}

StatusOr<std::optional<StreamIndex>> ChunkReader::read_index() {
  if (!impl_->src->seekable())
    return Status(StatusCode::kUnsupported, "cannot read the index: the stream is not seekable (a pipe?)");
  const uint64_t position = impl_->src->position();
  auto index = detail::find_index(*impl_->src, impl_->header_size, impl_->header, impl_->version_minor);
  BSQ_RETURN_IF_ERROR(impl_->src->seek(position));
  if (index.ok()) impl_->index = index.value();
  return index;
}

Status ChunkReader::seek_to(const GopEntry& entry) {
  Impl& r = *impl_;
  if (!r.src->seekable()) return {StatusCode::kUnsupported, "cannot seek: the stream is not seekable (a pipe?)"};
  if (entry.offset < r.header_size || entry.offset >= r.src->size() || entry.frame_count < 1)
    return invalid_data(fmt::format("cannot seek to {} at byte {}: not a GOP of this {}-byte stream",
                                    frame_range(entry.first_frame, std::max<uint32_t>(entry.frame_count, 1)),
                                    entry.offset, r.src->size()));
  BSQ_RETURN_IF_ERROR(r.src->seek(entry.offset));
  r.seeked = true;
  r.chunk_number = 0;
  r.target = entry;
  r.next_frame = entry.first_frame;
  r.index_where.clear();
  r.done = false;
  r.failed = Status::Ok();
  return Status::Ok();
}

}  // namespace bsq::bitstream

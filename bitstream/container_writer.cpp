// .bsq writer: serialises the header and chunks laid out in container_format.h.
#include "container_writer.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>

#include "byte_order.h"
#include "container_detail.h"

namespace bsq::bitstream {
namespace {

Status invalid(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }

std::vector<uint8_t> encode_header(const StreamHeader& h, uint16_t minor) {
  std::vector<uint8_t> out(kHeaderSize, 0);
  uint8_t* p = out.data();
  std::memcpy(p + kOffsetMagic, kMagic, sizeof(kMagic));
  store_le<uint16_t>(p + kOffsetVersionMajor, kVersionMajor);
  store_le<uint16_t>(p + kOffsetVersionMinor, minor);
  store_le<uint32_t>(p + kOffsetHeaderSize, kHeaderSize);
  store_le<uint64_t>(p + kOffsetFingerprint, h.model_fingerprint);
  store_le<uint32_t>(p + kOffsetWidth, h.width);
  store_le<uint32_t>(p + kOffsetHeight, h.height);
  store_le<uint32_t>(p + kOffsetFrames, h.frames);
  store_le<uint32_t>(p + kOffsetFpsNum, h.fps_num);
  store_le<uint32_t>(p + kOffsetFpsDen, h.fps_den);
  store_le<uint32_t>(p + kOffsetGridCols, h.grid_cols);
  store_le<uint32_t>(p + kOffsetGridRows, h.grid_rows);
  p[kOffsetPatch] = h.patch;
  p[kOffsetBits] = h.bits;
  p[kOffsetColourPrimaries] = h.colour.primaries;
  p[kOffsetTransfer] = h.colour.transfer;
  p[kOffsetMatrix] = h.colour.matrix;
  p[kOffsetFullRange] = h.colour.full_range;
  p[kOffsetBitDepth] = h.colour.bit_depth;
  p[kOffsetReserved] = 0;
  store_le<uint32_t>(p + kHeaderSize - 4, crc32_of(p, kHeaderSize - 4));
  return out;
}

}  // namespace

StatusOr<ContainerWriter> ContainerWriter::start(const StreamHeader& header) {
  const Status valid = validate_header(header);
  if (!valid.ok()) return invalid(valid.message());
  ContainerWriter writer(header);
  // Frame count 0 is a 1.1 feature; a still image never has an index; for a count above 1 the
  // first FRAM chunk tells (a second one, hence the index, must follow unless it holds every frame).
  writer.minor_decided_ = header.frames <= 1;
  writer.pending_ = encode_header(header, header.frames == 0 ? kVersionMinorIndex : 0);
  return writer;
}

void ContainerWriter::append_chunk(uint32_t type, const std::vector<uint8_t>& prefix, const uint8_t* body,
                                   size_t body_size) {
  const size_t start = pending_.size();
  append_le<uint32_t>(pending_, type);
  append_le<uint32_t>(pending_, static_cast<uint32_t>(prefix.size() + body_size));  // callers checked the cap
  pending_.insert(pending_.end(), prefix.begin(), prefix.end());
  if (body_size > 0) pending_.insert(pending_.end(), body, body + body_size);
  append_le<uint32_t>(pending_, crc32_of(pending_.data() + start, pending_.size() - start));
}

Status ContainerWriter::add_frames(uint32_t first_frame, uint32_t frame_count, const uint8_t* coded, size_t size) {
  if (finished_) return invalid("cannot add frames after the end marker");
  if (first_frame != frames_added_)
    return invalid(fmt::format("frames out of order: got frame {}, expected frame {}", first_frame, frames_added_));
  if (header_.frames == 0 && (frame_count < 1 || frame_count > kMaxFrames - frames_added_))
    return invalid(fmt::format("frame count {} at frame {} does not fit the cap of {} frames", frame_count, first_frame,
                               kMaxFrames));
  if (header_.frames != 0 && (frame_count < 1 || frame_count > header_.frames - frames_added_))
    return invalid(fmt::format("frame count {} at frame {} does not fit the stream's {} frames", frame_count,
                               first_frame, header_.frames));
  if (size > 0 && coded == nullptr) return invalid(fmt::format("no data for {} coded bytes", size));
  if (size > kMaxChunkPayload - kFramePrefixSize)
    return invalid(fmt::format("coded frames of {} bytes exceed the chunk cap of {} bytes", size,
                               kMaxChunkPayload - kFramePrefixSize));
  std::vector<uint8_t> prefix;
  append_le<uint32_t>(prefix, first_frame);
  append_le<uint32_t>(prefix, frame_count);
  if (!minor_decided_) {
    // Nothing has been taken yet (take_bytes() waits for this), so the header is still pending.
    if (frame_count < header_.frames) require_minor(kVersionMinorIndex);
    minor_decided_ = true;
  }
  gops_.push_back({first_frame, frame_count, bytes_written()});
  append_chunk(kChunkFrames, prefix, coded, size);
  frames_added_ += frame_count;
  ++frame_chunks_;
  return Status::Ok();
}

void ContainerWriter::append_setting(uint32_t type, uint32_t value) {
  std::vector<uint8_t> payload;
  append_le<uint32_t>(payload, value);
  append_chunk(type, payload, nullptr, 0);
}

void ContainerWriter::require_minor(uint16_t minor) {
  if (load_le<uint16_t>(pending_.data() + kOffsetVersionMinor) >= minor) return;
  store_le<uint16_t>(pending_.data() + kOffsetVersionMinor, minor);
  store_le<uint32_t>(pending_.data() + kHeaderSize - 4, crc32_of(pending_.data(), kHeaderSize - 4));
}

Status ContainerWriter::add_bits_window(uint32_t window) {
  if (!before_frames() || has_bits_window_)
    return invalid(
        "the bits-per-window chunk must come once, before any frame or metadata and before anything is taken");
  if (window < 1 || window > kMaxBitsWindow)
    return invalid(fmt::format("bits-per-window window of {} tokens is outside 1..{}", window, kMaxBitsWindow));
  require_minor(kVersionMinorWindowBits);
  append_setting(kChunkWindowBits, window);
  has_bits_window_ = true;
  return Status::Ok();
}

Status ContainerWriter::add_prior(uint32_t revision) {
  if (!before_frames() || has_prior_)
    return invalid("the prior chunk must come once, before any frame or metadata and before anything is taken");
  if (revision <= kPriorWithoutChunk)
    return invalid(fmt::format("prior revision {}: the chunk is for revisions above {}", revision, kPriorWithoutChunk));
  require_minor(kVersionMinorPrior);
  append_setting(kChunkPrior, revision);
  has_prior_ = true;
  return Status::Ok();
}

// The rules of a still image's chunk after its tokens (RESI, FILT) are the reader's, and so are the
// messages, less the chunk's number and position; `what` names it in the others.
Status ContainerWriter::check_still_chunk(uint32_t type, const char* what, bool seen) const {
  const std::string name = fourcc_name(type);
  if (finished_) return invalid(fmt::format("cannot add the {} after the end marker", what));
  if (seen) return invalid(fmt::format("invalid {0} chunk: a second {0} chunk", name));
  if (header_.frames != 1)
    return invalid(
        fmt::format("invalid {} chunk: only a still image has one, the header says {} frames", name, header_.frames));
  if (frame_chunks_ == 0) return invalid(fmt::format("invalid {} chunk: it must come after the FRAM chunk", name));
  if (taken_ > 0)
    return invalid(fmt::format("the {} chunk must come before anything is taken (it sets the version minor)", what));
  return Status::Ok();
}

Status ContainerWriter::add_residual(uint32_t step, const uint8_t* coded, size_t size) {
  BSQ_RETURN_IF_ERROR(check_still_chunk(kChunkResidual, "residual", has_residual_));
  if (step < 1 || step > kMaxResidualStep)
    return invalid(fmt::format("invalid RESI chunk: quantiser step {} (must be 1..{}, in 1/{} units)", step,
                               kMaxResidualStep, kResidualStepOne));
  if (size > 0 && coded == nullptr) return invalid(fmt::format("no data for {} coded bytes", size));
  if (size > kMaxChunkPayload - kResidualPrefixSize)
    return invalid(fmt::format("coded residual of {} bytes exceeds the chunk cap of {} bytes", size,
                               kMaxChunkPayload - kResidualPrefixSize));
  require_minor(kVersionMinorResidual);
  std::vector<uint8_t> prefix;
  append_le<uint32_t>(prefix, step);
  append_chunk(kChunkResidual, prefix, coded, size);
  has_residual_ = true;
  return Status::Ok();
}

Status ContainerWriter::add_filter(const uint8_t* coded, size_t size) {
  BSQ_RETURN_IF_ERROR(check_still_chunk(kChunkFilter, "filter", has_filter_));
  if (size == 0 || coded == nullptr) return invalid("invalid FILT chunk: an empty payload");
  if (size > kMaxChunkPayload)
    return invalid(fmt::format("coded filter of {} bytes exceeds the chunk cap of {} bytes", size, kMaxChunkPayload));
  require_minor(kVersionMinorFilter);
  append_chunk(kChunkFilter, {}, coded, size);
  has_filter_ = true;
  return Status::Ok();
}

Status ContainerWriter::add_metadata(const Metadata& entry) {
  if (finished_) return invalid("cannot add metadata after the end marker");
  const Status valid = validate_metadata(entry);
  if (!valid.ok()) return invalid(valid.message());
  if (metadata_chunks_ >= kMaxMetadataChunks)
    return invalid(fmt::format("more than {} metadata entries", kMaxMetadataChunks));
  if (entry.value.size() > kMaxChunkPayload - entry.key.size() - 1)
    return invalid(fmt::format("metadata value for '{}' exceeds the chunk cap", entry.key));
  std::vector<uint8_t> prefix(entry.key.begin(), entry.key.end());
  prefix.push_back(0);  // key NUL value, as PNG's tEXt
  append_chunk(kChunkMetadata, prefix, reinterpret_cast<const uint8_t*>(entry.value.data()), entry.value.size());
  ++metadata_chunks_;
  return Status::Ok();
}

Status ContainerWriter::finish() {
  if (finished_) return invalid("the end marker is already written");
  if (header_.frames == 0 && frames_added_ == 0) return invalid("cannot finish: no frames added");
  if (header_.frames != 0 && frames_added_ != header_.frames)
    return invalid(fmt::format("cannot finish: {} of {} frames added", frames_added_, header_.frames));
  if (gops_.size() > 1) {
    const std::vector<uint8_t> index = detail::encode_index(gops_);
    append_chunk(kChunkIndex, index, nullptr, 0);
  }
  std::vector<uint8_t> totals;
  append_le<uint32_t>(totals, frames_added_);
  append_le<uint32_t>(totals, frame_chunks_);
  append_chunk(kChunkEnd, totals, nullptr, 0);
  finished_ = true;
  return Status::Ok();
}

std::vector<uint8_t> ContainerWriter::take_bytes() {
  if (!minor_decided_) return {};  // the header's version minor may still change
  taken_ += pending_.size();
  return std::exchange(pending_, {});
}

StatusOr<std::vector<uint8_t>> write_container(const Container& c) {
  if (c.residual_step == 0 && !c.residual.empty())  // bytes no chunk would carry: not dropped silently
    return invalid(fmt::format("a residual of {} coded bytes without a quantiser step", c.residual.size()));
  auto writer = ContainerWriter::start(c.header);
  if (!writer.ok()) return writer.status();
  if (c.prior != kPriorWithoutChunk) BSQ_RETURN_IF_ERROR(writer->add_prior(c.prior));
  if (c.bits_window != 0) BSQ_RETURN_IF_ERROR(writer->add_bits_window(c.bits_window));
  for (const auto& entry : c.metadata) BSQ_RETURN_IF_ERROR(writer->add_metadata(entry));
  for (const auto& chunk : c.frames)
    BSQ_RETURN_IF_ERROR(
        writer->add_frames(chunk.first_frame, chunk.frame_count, chunk.coded.data(), chunk.coded.size()));
  if (c.residual_step != 0)
    BSQ_RETURN_IF_ERROR(writer->add_residual(c.residual_step, c.residual.data(), c.residual.size()));
  if (!c.filter.empty()) BSQ_RETURN_IF_ERROR(writer->add_filter(c.filter.data(), c.filter.size()));
  BSQ_RETURN_IF_ERROR(writer->finish());
  return writer->take_bytes();
}

}  // namespace bsq::bitstream

// Video decoder: one GOP chunk at a time from the stream, tokens frame by frame, pictures on demand.
#include <fmt/format.h>

#include <optional>

#include "bsq/video.h"
#include "container_stream.h"
#include "gop_coder.h"
#include "prior_check.h"
#include "video_common.h"

namespace bsq {

struct VideoDecoder::Impl {
  const Tokenizer* tokenizer = nullptr;
  std::optional<bitstream::ChunkReader> reader;
  VideoStreamInfo info;
  std::optional<bitstream::StreamIndex> index;

  std::optional<bitstream::FrameChunk> chunk;  // the GOP being decoded (its bytes)
  bool chunk_pending = false;                  // read ahead by open(), not started yet
  std::optional<entropy::GopDecoder> gop;
  int prior = 0;              // the revision the GOPs are coded with (the PRIO chunk's)
  uint32_t gop_left = 0;      // frames of the GOP still to decode
  uint32_t next_frame = 0;    // number of the frame the GOP decodes next
  uint32_t first_wanted = 0;  // after a seek: earlier frames are decoded to tokens only
  TokenGrid grid, previous;
  Image previous_picture;
  bool have_previous_picture = false;
  uint64_t returned = 0;

  std::string where() const {
    return fmt::format("GOP of frames {}-{} at byte {}", chunk->first_frame,
                       chunk->first_frame + chunk->frame_count - 1, chunk->offset);
  }
  Status open(const ModelSet& models, std::unique_ptr<bitstream::ByteSource> source);
  StatusOr<bool> start_gop();
  Status decode_tokens();
};

StatusOr<bool> VideoDecoder::Impl::start_gop() {
  if (!chunk_pending) {
    auto next = reader->next_frames();
    if (!next.ok()) return next.status();
    if (!next->has_value()) {
      // A still image's residual layer comes after its tokens; frames without it would be wrong.
      if (reader->residual_step() != 0)
        return Status(StatusCode::kUnsupported,
                      "the stream's residual layer (RESI chunk) belongs to a still image: decode it as one");
      if (!reader->filter().empty())
        return Status(StatusCode::kUnsupported,
                      "the stream's restoration filter (FILT chunk) belongs to a still image: decode it as one");
      return false;
    }
    chunk = std::move(next->value());
  }
  chunk_pending = false;
  if (chunk->first_frame != next_frame)  // the reader checks the order; this guards a seek
    return Status(StatusCode::kInvalidData, fmt::format("{}: expected frame {} to come next", where(), next_frame));
  gop.emplace(chunk->coded.data(), chunk->coded.size(), grid.rows, grid.cols, grid.bits, prior);
  gop_left = chunk->frame_count;
  return true;
}

Status VideoDecoder::Impl::decode_tokens() {
  std::string error;
  if (!gop->next_frame(grid.codes.data(), nullptr, &error))
    return Status(StatusCode::kInvalidData, fmt::format("{}: {}", where(), error));
  if (--gop_left == 0 && !gop->finish(&error))
    return Status(StatusCode::kInvalidData, fmt::format("{}: {}", where(), error));
  ++next_frame;
  return Status::Ok();
}

Status VideoDecoder::Impl::open(const ModelSet& models, std::unique_ptr<bitstream::ByteSource> source) {
  const bool seekable = source->seekable();
  auto opened = bitstream::ChunkReader::open(std::move(source), std::nullopt);
  if (!opened.ok()) return opened.status();
  const bitstream::StreamHeader& h = opened->header();
  auto model = models.model_for_tokens(h.model_fingerprint);
  if (!model.ok()) return model.status();
  auto loaded = models.model(model.value());
  if (!loaded.ok()) return loaded.status();
  const Tokenizer& tok = *loaded.value();
  const ModelConfig& c = tok.config();
  if (static_cast<uint64_t>(h.width) * h.height > tok.max_pixels())
    return tok.pixel_limit_error(static_cast<int>(h.width), static_cast<int>(h.height));
  if (h.patch != c.patch || h.bits < c.lowest_bits() || h.bits > c.bits)
    return Status(StatusCode::kModelMismatch,
                  fmt::format("stream has {}-pixel patches and {}-bit tokens, the model {} and {} to {}", h.patch,
                              h.bits, c.patch, c.lowest_bits(), c.bits));

  tokenizer = &tok;
  info.clip.width = static_cast<int>(h.width);
  info.clip.height = static_cast<int>(h.height);
  info.clip.fps_num = static_cast<int>(h.fps_num);
  info.clip.fps_den = static_cast<int>(h.fps_den);
  info.clip.color_primaries = h.colour.primaries;
  info.clip.color_transfer = h.colour.transfer;
  info.clip.color_matrix = h.colour.matrix;
  info.clip.full_range = h.colour.full_range != 0;
  info.frames = h.frames > 0 ? static_cast<int64_t>(h.frames) : -1;
  info.model = model.value();
  info.bits = h.bits;
  TokenGrid& g = grid;
  g.frames = 1;
  g.rows = static_cast<int>(h.grid_rows);
  g.cols = static_cast<int>(h.grid_cols);
  g.bits = h.bits;
  g.width = info.clip.width;
  g.height = info.clip.height;
  g.patch = h.patch;
  // validate_header() bounds the grid by the picture, and the picture is within the pixel limit.
  g.codes.assign(static_cast<size_t>(g.rows) * g.cols, 0);
  if (Status st = tok.fits(g); !st.ok()) return Status(StatusCode::kInvalidData, "stream header: " + st.message());
  reader.emplace(std::move(opened.value()));

  if (seekable) {
    auto found = reader->read_index();
    if (!found.ok()) return found.status();
    if (found->has_value()) {
      index = std::move(found->value());
      info.frames = index->total_frames;
      for (const auto& e : index->gops) info.gops.push_back({e.first_frame, e.frame_count, e.offset});
    }
  }
  // The metadata chunks come before the first GOP: read up to it, for the source's YUV coding.
  auto first = reader->next_frames();
  if (!first.ok()) return first.status();
  if (!first->has_value()) return Status(StatusCode::kInvalidData, "the stream holds no frames");
  // Counts per window (WBIT) are coded for still images alone (decode_image() reads them).
  if (reader->bits_window() != 0)
    return Status(StatusCode::kUnsupported, "the stream codes bits per window, which only still images have");
  BSQ_RETURN_IF_ERROR(codec_detail::check_prior_revision(reader->prior()));
  prior = static_cast<int>(reader->prior());
  chunk = std::move(first->value());
  chunk_pending = true;
  video_detail::apply_source_metadata(reader->metadata(), &info.clip);
  return Status::Ok();
}

StatusOr<VideoDecoder> VideoDecoder::open(const ModelSet& models, const std::string& path) {
  auto source = bitstream::open_file_source(path);
  if (!source.ok()) return source.status();
  auto impl = std::make_unique<Impl>();
  BSQ_RETURN_IF_ERROR(impl->open(models, std::move(source.value())));
  return VideoDecoder(std::move(impl));
}

StatusOr<VideoDecoder> VideoDecoder::open(const ModelSet& models, const uint8_t* data, size_t size) {
  auto impl = std::make_unique<Impl>();
  BSQ_RETURN_IF_ERROR(impl->open(models, bitstream::memory_source(data, size)));
  return VideoDecoder(std::move(impl));
}

VideoDecoder::VideoDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;
VideoDecoder::~VideoDecoder() = default;

const VideoStreamInfo& VideoDecoder::info() const { return impl_->info; }
uint64_t VideoDecoder::frames_returned() const { return impl_->returned; }
const TokenGrid& VideoDecoder::tokens() const { return impl_->grid; }

Status VideoDecoder::seek(uint32_t frame) {
  Impl& s = *impl_;
  if (!s.index) return Status(StatusCode::kUnsupported, "cannot seek: the stream has no index, or is read from a pipe");
  if (frame >= s.index->total_frames)
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("frame {} is past the clip's last frame, {}", frame, s.index->total_frames - 1));
  const bitstream::GopEntry& entry = s.index->gop_of(frame);
  BSQ_RETURN_IF_ERROR(s.reader->seek_to(entry));
  s.chunk_pending = false;
  s.gop.reset();
  s.gop_left = 0;
  s.next_frame = entry.first_frame;
  s.first_wanted = frame;
  s.have_previous_picture = false;
  return Status::Ok();
}

StatusOr<bool> VideoDecoder::next(Image* frame) {
  Impl& s = *impl_;
  while (true) {
    if (s.gop_left == 0) {
      auto more = s.start_gop();
      if (!more.ok()) return more.status();
      if (!more.value()) return false;
    }
    BSQ_RETURN_IF_ERROR(s.decode_tokens());
    if (s.next_frame - 1 < s.first_wanted) {  // before a seek's target: only its tokens matter
      s.have_previous_picture = false;
      continue;
    }
    // A frame whose tokens all repeat is the same picture: the network would give it back alike.
    if (s.have_previous_picture && s.grid.codes == s.previous.codes) {
      *frame = s.previous_picture;
    } else {
      auto picture = s.tokenizer->decode(s.grid);
      if (!picture.ok()) return picture.status();
      *frame = std::move(picture.value());
    }
    s.previous.codes = s.grid.codes;
    s.previous_picture = *frame;
    s.have_previous_picture = true;
    ++s.returned;
    return true;
  }
}

}  // namespace bsq

// Video encoder: GOPs of a key frame and inter frames whose tokens repeat or are sent afresh.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "bsq/video.h"
#include "container_writer.h"
#include "gop_coder.h"
#include "video_common.h"

namespace bsq {

namespace {

// lambda = kLambdaScale * D / R of the frame sent afresh, D / R being the frame's distortion per bit.
// The local slope of the distortion-rate curve, where PSNR grows by about 2.5 dB per doubling of the
// rate, would be dD/dR = D * ln(10)/10 * 2.5 / (R * ln 2) ~ 0.83 D / R; but a repeated token's error
// stays on screen in the frames after it, which a one-frame decision does not see. Measured on the
// train clips (vtest.avi 40 frames, oa4_launch.webm 60, movie.avi 68; -q 90; size and mean RGB PSNR
// against --keyint 1): scale 0.1 / 0.25 / 0.5 change PSNR by +0.16 / -0.03 / -0.26 dB on average
// and the size by -76 / -79 / -82 %; 0.25 is the largest of them that keeps the mean within 0.2 dB.
constexpr double kLambdaScale = 0.25;

// Squared error of `a` against `b` over the pixels of token (ty, tx), patch x patch, clipped to the
// picture; 0 for a token wholly in the padding.
uint64_t token_sse(const Image& a, const Image& b, int patch, int ty, int tx) {
  const int y0 = ty * patch, x0 = tx * patch;
  const int y1 = std::min(a.height, y0 + patch), x1 = std::min(a.width, x0 + patch);
  uint64_t sse = 0;
  for (int y = y0; y < y1; ++y) {
    const uint8_t* pa = a.row(y) + 3 * x0;
    const uint8_t* pb = b.row(y) + 3 * x0;
    for (int i = 0; i < 3 * (x1 - x0); ++i) {
      const int d = int{pa[i]} - int{pb[i]};
      sse += static_cast<uint64_t>(d * d);
    }
  }
  return sse;
}

}  // namespace

int default_keyint(int fps_num, int fps_den) {
  if (fps_num <= 0 || fps_den <= 0) return kDefaultKeyintUnknownRate;
  const double frames = std::round(kDefaultKeyintSeconds * static_cast<double>(fps_num) / fps_den);
  return static_cast<int>(std::clamp(frames, 1.0, static_cast<double>(kMaxKeyint)));
}

struct VideoEncoder::Impl {
  const Tokenizer* tokenizer = nullptr;
  size_t model = 0;
  int bits = 0, keyint = 1, patch = 0, effort = kDefaultEffort;
  VideoDescription clip;
  std::optional<bitstream::ContainerWriter> writer;
  std::optional<entropy::GopEncoder> gop;
  uint32_t gop_first = 0;
  uint64_t frames = 0;
  TokenGrid previous;    // the tokens of the last frame, as the decoder has them
  Image reconstruction;  // what the decoder shows for the last frame (inter frames need it)
  VideoFrameStats last;

  Status start_stream(const TokenGrid& grid);
  Status close_gop();
  Status code_key(TokenGrid grid, bool want_picture);
  Status code_inter(const Image& frame, TokenGrid grid);
};

Status VideoEncoder::Impl::start_stream(const TokenGrid& grid) {
  bitstream::StreamHeader h;
  h.model_fingerprint = tokenizer->fingerprint();
  h.width = static_cast<uint32_t>(clip.width);
  h.height = static_cast<uint32_t>(clip.height);
  h.frames = 0;  // counted at the end: a clip from a pipe has no length up front
  h.fps_num = static_cast<uint32_t>(std::max(clip.fps_num, 0));
  h.fps_den = static_cast<uint32_t>(clip.fps_num > 0 ? std::max(clip.fps_den, 1) : 1);
  h.grid_cols = static_cast<uint32_t>(grid.cols);
  h.grid_rows = static_cast<uint32_t>(grid.rows);
  h.patch = static_cast<uint8_t>(patch);
  h.bits = static_cast<uint8_t>(bits);
  h.colour.primaries = static_cast<uint8_t>(clip.color_primaries);
  h.colour.transfer = static_cast<uint8_t>(clip.color_transfer);
  auto w = bitstream::ContainerWriter::start(h);
  if (!w.ok()) return w.status();
  writer.emplace(std::move(w.value()));
  BSQ_RETURN_IF_ERROR(writer->add_prior(entropy::kLatestPriorRevision));
  for (const auto& entry : video_detail::source_metadata(clip)) BSQ_RETURN_IF_ERROR(writer->add_metadata(entry));
  gop.emplace(grid.rows, grid.cols, bits, entropy::kLatestPriorRevision);
  return Status::Ok();
}

Status VideoEncoder::Impl::close_gop() {
  if (!gop || gop->frames() == 0) return Status::Ok();
  const auto n = static_cast<uint32_t>(gop->frames());
  const std::vector<uint8_t> bytes = gop->finish();
  BSQ_RETURN_IF_ERROR(writer->add_frames(gop_first, n, bytes.data(), bytes.size()));
  gop_first += n;
  return Status::Ok();
}

Status VideoEncoder::Impl::code_key(TokenGrid grid, bool want_picture) {
  BSQ_RETURN_IF_ERROR(close_gop());
  gop->add_frame(grid.codes.data(), nullptr);
  last = {static_cast<uint64_t>(std::lround(gop->last_frame_bits())), static_cast<uint32_t>(grid.codes.size()),
          static_cast<uint32_t>(grid.codes.size()), true};
  if (keyint > 1 || want_picture) {  // the next frame is coded against this one's reconstruction
    auto decoded = tokenizer->decode(grid);
    if (!decoded.ok()) return decoded.status();
    reconstruction = std::move(decoded.value());
  }
  previous = std::move(grid);
  return Status::Ok();
}

// Each token repeats the previous frame's, or is sent afresh, whichever gives the lower
// distortion + lambda * bits; distortions are measured on the pictures each choice decodes to
// alone (the decoder's windows mix neighbours a little, so this is an estimate), bits from the
// prior's state at this frame.
Status VideoEncoder::Impl::code_inter(const Image& frame, TokenGrid grid) {
  auto fresh_picture = tokenizer->decode(grid);
  if (!fresh_picture.ok()) return fresh_picture.status();
  const std::vector<double> fresh_bits = gop->fresh_token_bits(grid.codes.data());
  const double flag_repeat = gop->repeat_flag_bits(true), flag_fresh = gop->repeat_flag_bits(false);

  const size_t tokens = grid.codes.size();
  std::vector<uint64_t> sse_fresh(tokens), sse_repeat(tokens);
  double total_sse = 0, total_bits = 0;
  for (int y = 0; y < grid.rows; ++y)
    for (int x = 0; x < grid.cols; ++x) {
      const size_t i = static_cast<size_t>(y) * grid.cols + x;
      sse_fresh[i] = token_sse(frame, fresh_picture.value(), patch, y, x);
      sse_repeat[i] = token_sse(frame, reconstruction, patch, y, x);
      total_sse += static_cast<double>(sse_fresh[i]);
      total_bits += fresh_bits[i];
    }
  const double lambda = kLambdaScale * std::max(total_sse, 1.0) / std::max(total_bits, 1.0);

  std::vector<uint8_t> repeat(tokens, 0);
  uint32_t fresh = 0;
  for (size_t i = 0; i < tokens; ++i) {
    const bool same = grid.codes[i] == previous.codes[i];
    const double cost_repeat = static_cast<double>(sse_repeat[i]) + lambda * flag_repeat;
    const double cost_fresh = static_cast<double>(sse_fresh[i]) + lambda * (flag_fresh + fresh_bits[i]);
    if (same || cost_repeat <= cost_fresh) {
      repeat[i] = 1;
      grid.codes[i] = previous.codes[i];
    } else {
      ++fresh;
    }
  }
  gop->add_frame(grid.codes.data(), repeat.data());
  last = {static_cast<uint64_t>(std::lround(gop->last_frame_bits())), fresh, static_cast<uint32_t>(tokens), false};

  if (fresh == tokens) {
    reconstruction = std::move(fresh_picture.value());
  } else if (fresh > 0) {
    auto decoded = tokenizer->decode(grid);
    if (!decoded.ok()) return decoded.status();
    reconstruction = std::move(decoded.value());
  }  // else: every token repeats, and so does the picture
  previous = std::move(grid);
  return Status::Ok();
}

StatusOr<VideoEncoder> VideoEncoder::start(const ModelSet& models, const VideoDescription& clip,
                                           const VideoEncodeOptions& options) {
  if (clip.width < 1 || clip.height < 1 || clip.width > kMaxSide || clip.height > kMaxSide)
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("video size {}x{} is not codable", clip.width, clip.height));
  if (options.keyint < 0 || options.keyint > kMaxKeyint)
    return Status(StatusCode::kInvalidArgument, fmt::format("keyint {} is outside 0..{} (0: about {} seconds)",
                                                            options.keyint, kMaxKeyint, kDefaultKeyintSeconds));
  BSQ_RETURN_IF_ERROR(check_effort(options.effort));
  if (clip.fps_num < 0 || clip.fps_den < 0 || (clip.fps_num > 0 && clip.fps_den == 0))
    return Status(StatusCode::kInvalidArgument, fmt::format("frame rate {}/{} is invalid", clip.fps_num, clip.fps_den));
  auto model = models.model_for_quality(options.quality);
  if (!model.ok()) return model.status();
  auto tokenizer = models.model(model.value());
  if (!tokenizer.ok()) return tokenizer.status();
  if (static_cast<uint64_t>(clip.width) * clip.height > tokenizer.value()->max_pixels())
    return tokenizer.value()->pixel_limit_error(clip.width, clip.height);
  auto impl = std::make_unique<Impl>();
  impl->tokenizer = tokenizer.value();
  impl->model = model.value();
  impl->bits = models.operating_point(options.quality).bits;
  impl->patch = impl->tokenizer->config().patch;
  impl->keyint = options.keyint > 0 ? options.keyint : default_keyint(clip.fps_num, clip.fps_den);
  impl->effort = options.effort;
  impl->clip = clip;
  return VideoEncoder(std::move(impl));
}

VideoEncoder::VideoEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoEncoder::VideoEncoder(VideoEncoder&&) noexcept = default;
VideoEncoder& VideoEncoder::operator=(VideoEncoder&&) noexcept = default;
VideoEncoder::~VideoEncoder() = default;

StatusOr<std::vector<uint8_t>> VideoEncoder::push(const Image& frame, Image* decoded) {
  Impl& s = *impl_;
  if (frame.width != s.clip.width || frame.height != s.clip.height)
    return Status(StatusCode::kInvalidArgument, fmt::format("frame {} is {}x{} but the clip is {}x{}", s.frames,
                                                            frame.width, frame.height, s.clip.width, s.clip.height));
  if (s.frames >= kMaxFrames)
    return Status(StatusCode::kInvalidArgument, fmt::format("a clip holds at most {} frames", kMaxFrames));
  auto grid = s.tokenizer->encode(frame, s.bits, s.effort);
  if (!grid.ok()) return grid.status();
  if (!s.writer) BSQ_RETURN_IF_ERROR(s.start_stream(grid.value()));
  const bool key = s.frames % static_cast<uint64_t>(s.keyint) == 0;
  BSQ_RETURN_IF_ERROR(key ? s.code_key(std::move(grid.value()), decoded != nullptr)
                          : s.code_inter(frame, std::move(grid.value())));
  if (decoded) *decoded = s.reconstruction;
  ++s.frames;
  return s.writer->take_bytes();
}

StatusOr<std::vector<uint8_t>> VideoEncoder::finish() {
  Impl& s = *impl_;
  if (!s.writer) return Status(StatusCode::kInvalidArgument, "a clip needs at least one frame");
  BSQ_RETURN_IF_ERROR(s.close_gop());
  BSQ_RETURN_IF_ERROR(s.writer->finish());
  return s.writer->take_bytes();
}

int VideoEncoder::keyint() const { return impl_->keyint; }
size_t VideoEncoder::model() const { return impl_->model; }
int VideoEncoder::bits() const { return impl_->bits; }
const VideoFrameStats& VideoEncoder::last_frame() const { return impl_->last; }
uint64_t VideoEncoder::frames() const { return impl_->frames; }

}  // namespace bsq

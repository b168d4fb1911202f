// Image encoder: tokens from the tokenizer, coded by the bit prior, and a residual layer if asked
// for, wrapped in a .bsq container.
#include <fmt/format.h>

#include <cmath>

#include "bsq/codec.h"
#include "container_writer.h"
#include "residual_coder.h"
#include "residual_layer.h"
#include "restoration_filter.h"
#include "token_coder.h"

namespace bsq {

namespace {

// The container of a token grid, without its residual layer.
StatusOr<bitstream::Container> token_container(const Tokenizer& tokenizer, const TokenGrid& g) {
  BSQ_RETURN_IF_ERROR(tokenizer.fits(g));
  entropy::TokenPlane plane{g.frames, g.rows, g.cols, g.bits, g.codes, g.window, g.window_bits};
  const std::vector<uint8_t> coded = entropy::encode_tokens(plane);
  if (coded.empty()) return Status(StatusCode::kInvalidArgument, "encode: token grid outside the entropy coder's caps");

  bitstream::Container container;
  container.bits_window = static_cast<uint32_t>(g.window_bits.empty() ? 0 : g.window);
  container.prior = static_cast<uint32_t>(plane.prior);
  auto& h = container.header;
  h.model_fingerprint = tokenizer.fingerprint();
  h.width = static_cast<uint32_t>(g.width);
  h.height = static_cast<uint32_t>(g.height);
  h.frames = static_cast<uint32_t>(g.frames);
  h.grid_cols = static_cast<uint32_t>(g.cols);
  h.grid_rows = static_cast<uint32_t>(g.rows);
  h.patch = static_cast<uint8_t>(tokenizer.config().patch);
  h.bits = static_cast<uint8_t>(g.bits);
  bitstream::FrameChunk chunk;
  chunk.first_frame = 0;
  chunk.frame_count = static_cast<uint32_t>(g.frames);
  chunk.coded = coded;
  container.frames.push_back(std::move(chunk));
  return container;
}

}  // namespace

StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image,
                                            const EncodeOptions& options) {
  const int bits = options.bits > 0 ? options.bits : bits_for_quality(tokenizer.config(), options.quality);
  auto grid = tokenizer.encode(image, bits, options.effort, options.per_window_bits);
  if (!grid.ok()) return grid.status();
  if (options.residual_step > 0 || options.filter)
    return encode_tokens(tokenizer, grid.value(), image, options.residual_step, options.filter);
  return encode_tokens(tokenizer, grid.value());
}

StatusOr<std::vector<uint8_t>> encode_tokens(const Tokenizer& tokenizer, const TokenGrid& g) {
  auto container = token_container(tokenizer, g);
  if (!container.ok()) return container.status();
  return bitstream::write_container(container.value());
}

StatusOr<std::vector<uint8_t>> encode_tokens(const Tokenizer& tokenizer, const TokenGrid& g, const Image& image,
                                             double residual_step, bool filter) {
  const double units = std::round(residual_step * bitstream::kResidualStepOne);
  if (residual_step != 0 && !(units >= 1 && units <= bitstream::kMaxResidualStep))
    return Status(
        StatusCode::kInvalidArgument,
        fmt::format("encode: residual step {} outside {} to {}", residual_step, 1.0 / bitstream::kResidualStepOne,
                    double(bitstream::kMaxResidualStep) / bitstream::kResidualStepOne));
  const auto step = static_cast<uint32_t>(residual_step != 0 ? units : 0);
  if (g.frames != 1 || image.width != g.width || image.height != g.height)
    return Status(StatusCode::kInvalidArgument,
                  "encode: a residual layer or a restoration filter needs one frame of the grid's size");
  auto container = token_container(tokenizer, g);
  if (!container.ok()) return container.status();
  // Each tool against the picture the decoder will see before it.
  auto picture = tokenizer.decode(g);
  if (!picture.ok()) return picture.status();
  if (step != 0) {
    entropy::ResidualPlanes levels;
    container->residual = entropy::encode_residual_rdo(
        codec_detail::residual_coefficients(image, picture.value(), step), codec_detail::kResidualLambda, &levels);
    container->residual_step = step;
    codec_detail::add_residual(levels, step, &picture.value());
  }
  if (filter) {
    // Without a layer, bits are priced as at its coarsest step: the rate where the tokens alone end.
    const double price =
        codec_detail::bit_price(step != 0 ? codec_detail::residual_step_value(step) : kResidualCoarsestStep);
    if (const auto designed = codec_detail::design_filter(image, picture.value(), price))
      container->filter = entropy::encode_filter(designed.value());
  }
  return bitstream::write_container(container.value());
}

}  // namespace bsq

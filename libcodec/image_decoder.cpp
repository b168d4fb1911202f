// Image decoder: validated container, entropy-decoded tokens, tokenizer decode, residual layer,
// restoration filter.
#include <fmt/format.h>

#include "bsq/codec.h"
#include "container_reader.h"
#include "prior_check.h"
#include "residual_coder.h"
#include "residual_layer.h"
#include "restoration_filter.h"
#include "token_coder.h"

namespace bsq {

StatusOr<uint64_t> stream_model_fingerprint(const uint8_t* data, size_t size) {
  auto container = bitstream::read_container(data, size, std::nullopt);
  if (!container.ok()) return container.status();
  return container->header.model_fingerprint;
}

namespace {

// The token grid of a validated container.
StatusOr<TokenGrid> grid_of(const Tokenizer& tokenizer, const bitstream::Container* container) {
  const auto& h = container->header;
  const auto& c = tokenizer.config();
  // Before anything is allocated for the picture: a few bytes may declare a huge one.
  if (static_cast<uint64_t>(h.width) * h.height * h.frames > tokenizer.max_pixels())
    return tokenizer.pixel_limit_error(static_cast<int>(h.width), static_cast<int>(h.height));
  // The fingerprint matched, so these hold for streams this library wrote; check anyway, since a
  // stream can be crafted.
  if (h.patch != c.patch || h.bits < c.lowest_bits() || h.bits > c.bits)
    return Status(StatusCode::kModelMismatch,
                  c.scalable() ? fmt::format("stream has {}-pixel patches and {}-bit tokens, the model {} and {} to {}",
                                             h.patch, h.bits, c.patch, c.lowest_bits(), c.bits)
                               : fmt::format("stream has {}-pixel patches and {}-bit tokens, the model {} and {}",
                                             h.patch, h.bits, c.patch, c.bits));
  BSQ_RETURN_IF_ERROR(codec_detail::check_prior_revision(container->prior));
  if (h.frames != 1 || container->frames.size() != 1)
    return Status(StatusCode::kUnsupported, fmt::format("stream holds {} frames; images have one", h.frames));

  TokenGrid grid;
  grid.frames = 1;
  grid.rows = static_cast<int>(h.grid_rows);
  grid.cols = static_cast<int>(h.grid_cols);
  grid.bits = h.bits;
  grid.width = static_cast<int>(h.width);
  grid.height = static_cast<int>(h.height);
  grid.patch = h.patch;
  const auto& chunk = container->frames[0];
  entropy::TokenPlane plane;
  std::string error;
  if (!entropy::decode_tokens(chunk.coded.data(), chunk.coded.size(), grid.frames, grid.rows, grid.cols, grid.bits,
                              &plane, &error, static_cast<int>(container->bits_window),
                              static_cast<int>(container->prior)))
    return Status(StatusCode::kInvalidData, fmt::format("frame chunk at byte {}: {}", chunk.offset, error));
  grid.codes = std::move(plane.codes);
  grid.window = plane.window;
  grid.window_bits = std::move(plane.window_bits);
  // The entropy coder takes counts of 1..bits; the model's lowest rate bounds them here.
  for (size_t w = 0; w < grid.window_bits.size(); ++w)
    if (grid.window_bits[w] < c.lowest_bits())
      return Status(StatusCode::kInvalidData,
                    fmt::format("frame chunk at byte {}: window {} keeps {} bits, below the model's {}", chunk.offset,
                                w, grid.window_bits[w], c.lowest_bits()));
  return grid;
}

}  // namespace

StatusOr<TokenGrid> decode_tokens(const Tokenizer& tokenizer, const uint8_t* data, size_t size) {
  auto container = bitstream::read_container(data, size, tokenizer.fingerprint());
  if (!container.ok()) return container.status();
  return grid_of(tokenizer, &container.value());
}

StatusOr<Image> decode_image(const Tokenizer& tokenizer, const uint8_t* data, size_t size) {
  auto container = bitstream::read_container(data, size, tokenizer.fingerprint());
  if (!container.ok()) return container.status();
  auto grid = grid_of(tokenizer, &container.value());
  if (!grid.ok()) return grid.status();
  // The residual's levels before the network runs: a damaged layer fails fast.
  entropy::ResidualPlanes levels;
  if (container->residual_step != 0) {
    std::string error;
    const auto& residual = container->residual;
    if (!entropy::decode_residual(residual.data(), residual.size(), 3, codec_detail::residual_blocks(grid->width),
                                  codec_detail::residual_blocks(grid->height), &levels, &error))
      return Status(StatusCode::kInvalidData,
                    fmt::format("residual chunk at byte {}: {}", container->residual_offset, error));
  }
  entropy::FilterParams filter;
  if (!container->filter.empty()) {
    std::string error;
    if (!entropy::decode_filter(container->filter.data(), container->filter.size(), &filter, &error))
      return Status(StatusCode::kInvalidData,
                    fmt::format("filter chunk at byte {}: {}", container->filter_offset, error));
  }
  auto image = tokenizer.decode(grid.value());
  if (!image.ok()) return image;
  if (container->residual_step != 0) codec_detail::add_residual(levels, container->residual_step, &image.value());
  if (!container->filter.empty()) codec_detail::apply_filter(filter, &image.value());
  return image;
}

}  // namespace bsq

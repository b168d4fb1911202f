// Image encoder: tokens from the tokenizer, coded by the bit prior, wrapped in a .bsq container.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bsq/codec.h"
#include "container_writer.h"
#include "token_coder.h"

namespace bsq {

int bits_for_quality(const ModelConfig& config, int quality) {
  const double lowest = config.lowest_bits();
  const double t = (std::clamp(quality, 1, 100) - 1) / 99.0;
  const long bits = std::lround(lowest * std::pow(config.bits / lowest, t));
  return static_cast<int>(std::clamp<long>(bits, config.lowest_bits(), config.bits));
}

StatusOr<std::vector<uint8_t>> encode_image(const Tokenizer& tokenizer, const Image& image,
                                            const EncodeOptions& options) {
  auto grid = tokenizer.encode(image, bits_for_quality(tokenizer.config(), options.quality));
  if (!grid.ok()) return grid.status();
  const TokenGrid& g = grid.value();
  entropy::TokenPlane plane{g.frames, g.rows, g.cols, g.bits, g.codes};
  const std::vector<uint8_t> coded = entropy::encode_tokens(plane);
  if (coded.empty()) return Status(StatusCode::kInvalidArgument, "encode: token grid outside the entropy coder's caps");

  bitstream::Container container;
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
  return bitstream::write_container(container);
}

}  // namespace bsq

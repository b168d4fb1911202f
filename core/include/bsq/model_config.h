// Hyper-parameters of a BSQ-ViT tokenizer: everything needed to rebuild the network.
#pragma once

#include <string>

#include "bsq/export.h"
#include "bsq/status.h"

namespace bsq {

struct BSQ_API ModelConfig {
  int patch = 8;           // pixels per token side; the stem downsamples by this factor
  int width = 192;         // transformer width d
  int encoder_depth = 4;   // transformer blocks before the bottleneck
  int decoder_depth = 4;   // transformer blocks after it
  int heads = 4;           // attention heads (width must divide evenly)
  int bits = 32;           // L: bits per token, 1..64
  int window = 8;          // attention window side in tokens (window*patch pixels)
  int stem_channels = 64;  // channels of the convolutional stem and head at 1/2 and 1/4 res
  int max_frames = 16;     // longest clip the temporal attention is trained for
  int mlp_ratio = 4;
  // Nested bits: 0 for a fixed-rate model (tokens always carry all `bits`). Otherwise the model
  // was trained to decode from only the first k bits of every token, any k in min_bits..bits,
  // so one model gives many rates (the missing bits read as 0, between -1 and +1).
  int min_bits = 0;

  // Raw rate of the bottleneck: bits / patch^2, in bits per pixel.
  double raw_bpp() const { return static_cast<double>(bits) / (patch * patch); }
  // Fewest bits per token the decoder accepts; `bits` for a fixed-rate model.
  int lowest_bits() const { return min_bits > 0 ? min_bits : bits; }
  bool scalable() const { return lowest_bits() < bits; }
  // Pixels per attention window side; inputs are padded to a multiple of this.
  int window_pixels() const { return window * patch; }

  Status validate() const;
  std::string to_text() const;  // "key=value" lines
  static StatusOr<ModelConfig> from_text(const std::string& text);
};

}  // namespace bsq

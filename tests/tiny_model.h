// A tiny random model for tests: the real code path in milliseconds.
#pragma once

#include <string>

#include "bsq/image.h"
#include "bsq/model_config.h"

namespace bsq::testing {

inline ModelConfig tiny_config() {
  ModelConfig c;
  c.patch = 4;
  c.width = 16;
  c.encoder_depth = 2;  // two blocks, so the shifted-window path runs too
  c.decoder_depth = 2;
  c.heads = 2;
  c.bits = 8;
  c.window = 2;
  c.stem_channels = 8;
  c.max_frames = 4;
  return c;
}

// A random walk over the bytes of a w x h picture (steps of at most 15, row by row, from 128):
// smooth enough that a few search steps on a tiny model find closer tokens.
Image random_walk_image(int w, int h, unsigned seed);

// A fresh path in the test's temporary directory.
std::string temp_path(const std::string& name);

}  // namespace bsq::testing

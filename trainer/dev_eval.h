// Dev-set evaluation of a model file through the public Tokenizer, exactly as the codec runs it.
#pragma once

#include <string>
#include <vector>

#include "bsq/status.h"
#include "bsq/tokenizer.h"
#include "corpus.h"

namespace bsq::train {

struct DevLevel {
  int bits = 0;              // leading bits kept per token
  double raw_bpp = 0;        // bits / patch^2
  std::vector<double> psnr;  // per image, RGB PSNR of the 8-bit reconstruction
  double mean_psnr = 0;
  // Mean over the images of the bits per pixel of the .bsq stream of these tokens
  // (bsq::encode_tokens: the rate of bsqenc -e 1 with this model at this many bits).
  double mean_coded_bpp = 0;
};

struct DevResult {
  std::vector<DevLevel> levels;  // ascending bits; the last one keeps every bit
  const DevLevel& full() const { return levels.back(); }
};

// Fixed-rate models are evaluated at their one rate; nested-bit models at lowest_bits, bits/4,
// bits/2 and bits (those within range), each image encoded once.
StatusOr<DevResult> evaluate_model(const std::string& model_path, const std::vector<CorpusImage>& images,
                                   const RuntimeOptions& runtime);

}  // namespace bsq::train

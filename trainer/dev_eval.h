// Dev-set evaluation of a model file through the public Tokenizer, exactly as the codec runs it.
#pragma once

#include <string>
#include <vector>

#include "bsq/status.h"
#include "corpus.h"

namespace bsq::train {

struct DevResult {
  std::vector<double> psnr;  // per image, RGB PSNR of the 8-bit reconstruction
  double mean_psnr = 0;
  double raw_bpp = 0;        // L / patch^2
};

StatusOr<DevResult> evaluate_model(const std::string& model_path, const std::vector<CorpusImage>& images, int threads);

}  // namespace bsq::train

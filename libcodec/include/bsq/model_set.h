// A set of models covering a range of rates, used as one codec: the quality picks the model and
// the bits per token that encode an image, and a stream's model fingerprint picks the model that
// decodes it. Only the files' headers are read up front; a model's weights load the first time
// it is needed, so a decoder holding the whole shipped set loads one network.
//
// Usage:
//   auto set = bsq::ModelSet::open({"default.bsqm", "fine32.bsqm", "fine.bsqm"});
//   if (!set.ok()) { fputs(set.status().message().c_str(), stderr); return 1; }
//   auto coded = set->encode(image, {60});                  // quality 60
//   auto back = set->decode(coded->stream.data(), coded->stream.size());
//   // back->image; back->model is the index of the model that decoded it (set->path(i) names it)
//
// Every method is safe to call from several threads at once; the first call that needs a model
// loads it, the others wait for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "bsq/export.h"
#include "bsq/image.h"
#include "bsq/status.h"
#include "bsq/tokenizer.h"

namespace bsq {

class BSQ_API ModelSet {
 public:
  // Reads each file's header (kIoError, kInvalidData naming the file). The order matters where
  // two models offer the same rate: the earlier one codes it (operating_point()). `runtime`
  // applies to every model the set loads.
  static StatusOr<ModelSet> open(const std::vector<std::string>& paths, const RuntimeOptions& runtime = {});
  ModelSet(ModelSet&&) noexcept;
  ModelSet& operator=(ModelSet&&) noexcept;
  ~ModelSet();

  size_t size() const;
  const std::string& path(size_t i) const;
  const ModelFileInfo& info(size_t i) const;
  std::vector<ModelConfig> configs() const;

  // Which model and bits code `quality` (codec.h, operating_point()).
  OperatingPoint operating_point(int quality) const;
  // The model whose fingerprint this is; kModelMismatch naming the set's files otherwise.
  StatusOr<size_t> find(uint64_t fingerprint) const;
  // Model i, loaded (and its whole content checked) on first use.
  StatusOr<const Tokenizer*> model(size_t i) const;

  // The model that encode() and decode() below will use, loaded: so a caller can load it before
  // it starts a clock, or say which one it is. A stream is validated whole (a damaged one fails
  // here as it would in decode()); kModelMismatch when the set lacks the model a stream or a token
  // grid names.
  // With an effort above kMinEffort, where encode() chooses between two models, both load;
  // model_for_quality() then names the one operating_point() names.
  StatusOr<size_t> model_for_quality(int quality, int effort = kMinEffort) const;
  // The model encode() codes a still image with at this quality (its tokens': token_quality(),
  // unless EncodeOptions::residual_layer is false).
  StatusOr<size_t> model_for_image(int quality, int effort = kMinEffort, bool residual_layer = true) const;
  StatusOr<size_t> model_for_stream(const uint8_t* data, size_t size) const;
  StatusOr<size_t> model_for_tokens(uint64_t fingerprint) const;

  struct Encoded {
    std::vector<uint8_t> stream;  // a complete .bsq stream
    TokenGrid tokens;             // the grid the stream codes
    size_t model = 0;             // index of the model that coded it
    double residual_step = 0.0;   // the residual layer's quantiser step; 0: none
  };
  // Codes `image` at options.quality (options.bits and options.residual_step are ignored: the
  // quality picks them; from kResidualQuality up, the tokens of token_quality() and a residual
  // layer, bsq/quality.h, unless options.residual_layer is false). Above
  // kMinEffort, where the quality falls in a gap between the models' ranges, the picture picks the
  // gap's end (bsq/quality.h, RateGap): Encoded::model says which coded it.
  StatusOr<Encoded> encode(const Image& image, const EncodeOptions& options = {}) const;
  // The model and bits encode() codes `image`'s tokens with at that quality of tokens (a still
  // image's is token_quality() of its quality, bsq/quality.h) and effort, the model loaded.
  StatusOr<OperatingPoint> choose(const Image& image, int quality, int effort) const;

  struct Decoded {
    Image image;
    size_t model = 0;  // index of the model that decoded it
  };
  // Decodes a stream with the model it names: kModelMismatch when the set lacks it, otherwise
  // what decode_image() says.
  StatusOr<Decoded> decode(const uint8_t* data, size_t size) const;
  // Renders a token grid made by model `fingerprint` (bsqenc --tokens, or a generative model): a
  // grid that does not fit that model is bad data (kInvalidData, saying why).
  StatusOr<Decoded> decode(const TokenGrid& grid, uint64_t fingerprint) const;

 private:
  struct Impl;
  explicit ModelSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsq

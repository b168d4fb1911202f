// libFuzzer target: the whole decoder, bytes -> bsq::decode_image and bsq::VideoDecoder, with the
// conformance model.
//
// Build: cmake -DBSQ_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run:
//   ./decoder_fuzzer -max_total_time=60 CORPUS_DIR conformance/streams
// The fuzzer build skips the container's CRC comparisons (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION,
// bitstream/container_reader.cpp), so mutated streams reach the entropy decoder and the network.
// BSQ_FUZZ_MODEL names another model file than conformance/model.bsqm.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bsq/codec.h"
#include "bsq/model_set.h"
#include "bsq/video.h"
#include "container_reader.h"

namespace {

// Pictures above this many pixels are refused from the header, before any decoding: the largest
// conformance stream has 257 x 131, and a bigger bound only makes each run slower.
constexpr uint64_t kFuzzMaxPixels = uint64_t{1} << 16;

// A video decodes at most this many frames per input: the first GOPs exercise every path.
constexpr int kFuzzMaxFrames = 12;

bsq::RuntimeOptions fuzz_runtime() {
  bsq::RuntimeOptions runtime;
  runtime.threads = 1;  // libFuzzer runs one input at a time; threads would only add noise
  runtime.use_gpu = false;
  runtime.max_pixels = kFuzzMaxPixels;
  return runtime;
}

std::string model_path() {
  const char* env = std::getenv("BSQ_FUZZ_MODEL");
  return env ? env : BSQ_CONFORMANCE_MODEL;
}

const bsq::ModelSet& model_set() {
  static const bsq::ModelSet set = [] {
    auto opened = bsq::ModelSet::open({model_path()}, fuzz_runtime());
    if (!opened.ok()) {
      std::fprintf(stderr, "decoder_fuzzer: %s\n", opened.status().message().c_str());
      std::exit(1);
    }
    return std::move(opened.value());
  }();
  return set;
}

const bsq::Tokenizer& tokenizer() {
  static const bsq::Tokenizer tok = [] {
    auto opened = bsq::Tokenizer::open(model_path(), fuzz_runtime());
    if (!opened.ok()) {
      std::fprintf(stderr, "decoder_fuzzer: %s\n", opened.status().message().c_str());
      std::exit(1);
    }
    return std::move(opened.value());
  }();
  return tok;
}

// A refusal is a status with a one-line message, as the tools print it.
void check_refusal(const bsq::Status& status) {
  const std::string& m = status.message();
  if (status.ok() || m.empty() || m.find('\n') != std::string::npos) __builtin_trap();
}

}  // namespace

// The same bytes as a video: frames of the declared size, or a one-line refusal.
void fuzz_video(const uint8_t* data, size_t size) {
  auto video = bsq::VideoDecoder::open(model_set(), data, size);
  if (!video.ok()) return check_refusal(video.status());
  bsq::Image frame;
  for (int f = 0; f < kFuzzMaxFrames; ++f) {
    auto more = video->next(&frame);
    if (!more.ok()) return check_refusal(more.status());
    if (!more.value()) return;
    if (frame.width != video->info().clip.width || frame.height != video->info().clip.height) __builtin_trap();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_video(data, size);
  const bsq::Tokenizer& tok = tokenizer();
  auto image = bsq::decode_image(tok, data, size);
  if (!image.ok()) {
    check_refusal(image.status());
    return 0;
  }
  // An accepted stream decodes to the picture its header declares, and names this model.
  const auto header = bsq::bitstream::read_header(data, size);
  if (!header.ok()) __builtin_trap();
  const bsq::Image& img = image.value();
  if (img.width != static_cast<int>(header->width) || img.height != static_cast<int>(header->height) ||
      img.rgb.size() != static_cast<size_t>(img.width) * img.height * 3)
    __builtin_trap();
  const auto fingerprint = bsq::stream_model_fingerprint(data, size);
  if (!fingerprint.ok() || fingerprint.value() != tok.fingerprint()) __builtin_trap();
  return 0;
}

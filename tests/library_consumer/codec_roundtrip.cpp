// A program outside the bsq tree that embeds the codec through the installed libbsq: opens a model,
// codes a synthetic image, decodes it, takes the tokens out and back in, does the same through a
// model set, and describes the stream. library_install.sh
// builds it with pkg-config and with find_package(bsq); both builds must print the same line.
// Usage: codec_roundtrip MODEL.bsqm
#include <bsq/codec.h>
#include <bsq/metrics.h>
#include <bsq/model_set.h>
#include <bsq/stream_info.h>

#include <cstdio>

namespace {

int fail(const char* what, const bsq::Status& status) {
  std::fprintf(stderr, "codec_roundtrip: %s: %s\n", what, status.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: codec_roundtrip MODEL.bsqm\n");
    return 2;
  }
  bsq::RuntimeOptions runtime;
  runtime.threads = 1;
  auto tok = bsq::Tokenizer::open(argv[1], runtime);
  if (!tok.ok()) return fail("open", tok.status());

  bsq::Image image(45, 17);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < 3; ++c) image.row(y)[3 * x + c] = static_cast<uint8_t>((x * 5 + y * (c + 2)) & 255);

  // As a set codes it at the default quality: low-rate tokens and a residual layer (bsq/quality.h).
  bsq::EncodeOptions options;
  options.quality = bsq::token_quality(bsq::kDefaultQuality);
  options.residual_step = bsq::residual_step(bsq::kDefaultQuality);
  auto stream = bsq::encode_image(tok.value(), image, options);
  if (!stream.ok()) return fail("encode_image", stream.status());
  auto fingerprint = bsq::stream_model_fingerprint(stream->data(), stream->size());
  if (!fingerprint.ok() || fingerprint.value() != tok->fingerprint()) return fail("fingerprint", fingerprint.status());
  auto back = bsq::decode_image(tok.value(), stream->data(), stream->size());
  if (!back.ok()) return fail("decode_image", back.status());
  auto psnr = bsq::psnr(image, back.value());
  if (!psnr.ok()) return fail("psnr", psnr.status());

  // The tokens out of the stream and in again, with the residual layer, give the same stream.
  auto grid = bsq::decode_tokens(tok.value(), stream->data(), stream->size());
  if (!grid.ok()) return fail("decode_tokens", grid.status());
  auto again = bsq::encode_tokens(tok.value(), grid.value(), image, options.residual_step);
  if (!again.ok() || again.value() != stream.value()) return fail("encode_tokens", again.status());

  // A set of one model makes the same stream at the same quality, and decodes it alike.
  auto set = bsq::ModelSet::open({argv[1]}, runtime);
  if (!set.ok()) return fail("ModelSet::open", set.status());
  auto coded = set->encode(image, {bsq::kDefaultQuality});
  if (!coded.ok() || coded->stream != stream.value()) return fail("ModelSet::encode", coded.status());
  auto decoded = set->decode(coded->stream.data(), coded->stream.size());
  if (!decoded.ok() || decoded->image.rgb != back->rgb) return fail("ModelSet::decode", decoded.status());
  auto info = bsq::inspect_stream(stream->data(), stream->size());
  if (!info.ok() || info->width != 45 || info->model_fingerprint != tok->fingerprint())
    return fail("inspect_stream", info.status());

  // Errors are values: a truncated stream is refused with a message, not a crash.
  const auto truncated = bsq::decode_image(tok.value(), stream->data(), stream->size() / 2);
  if (truncated.ok()) return fail("truncated stream", bsq::Status(bsq::StatusCode::kInternal, "was accepted"));

  std::printf("%dx%d -> %zu bytes -> %dx%d, PSNR %.4f dB, %dx%d tokens of %d bits; truncated: refused\n", image.width,
              image.height, stream->size(), back->width, back->height, psnr.value(), grid->rows, grid->cols,
              grid->bits);
  return 0;
}

// Stripe-by-stripe encode and decode (see stripe_runner.h).
#include "model/stripe_runner.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "model/bsq_quantizer.h"
#include "model/image_tensor.h"

namespace bsq::model {
namespace {

using Rows = std::pair<int64_t, int64_t>;  // [first, last)

// Rows [first, last) of a grid of `rows` rows, where rows past either edge are those of the other
// edge, as real row ranges from top to bottom of the result.
std::vector<Rows> wrapped(int64_t first, int64_t last, int64_t rows) {
  std::vector<Rows> out;
  for (int64_t r = first; r < last;) {
    const int64_t real = (r % rows + rows) % rows;
    const int64_t n = std::min(last - r, rows - real);
    out.push_back({real, real + n});
    r += n;
  }
  return out;
}

struct Plan {
  TokenPlaneSize plane;
  int64_t core = 0;    // token rows each stripe produces
  bool whole = false;  // one pass: the image is no taller than a stripe and its halos
};

Plan plan(const ModelConfig& c, Transformer& transformer, int width, int height, int64_t stripe_tokens) {
  Plan p;
  p.plane = token_plane_size(c, width, height);
  p.core = std::max<int64_t>(c.window, stripe_tokens / p.plane.cols / c.window * c.window);
  p.whole = fits_one_pass(transformer, p.core, p.plane.rows);
  return p;
}

// The stem and head run a band of this many token rows at a time (plus their margin), so their
// full-resolution activations stay small whatever the stripe.
constexpr int64_t kConvBand = 16;

// The stem's output for token rows [first, last) of the padded image.
torch::Tensor stem_rows(TokenizerModel& net, const Image& image, const Plan& p, Rows rows,
                        const torch::Device& device) {
  const int64_t patch = net->config().patch;
  std::vector<torch::Tensor> bands;
  for (int64_t first = rows.first; first < rows.second; first += kConvBand) {
    const int64_t last = std::min(first + kConvBand, rows.second);
    const int64_t from = std::max<int64_t>(first - kConvMargin, 0), to = std::min(last + kConvMargin, p.plane.rows);
    const auto x = image_rows_to_tensor(image, from * patch, to * patch, p.plane.cols * patch).to(device);
    bands.push_back(net->stem_grid(x).narrow(2, first - from, last - first));
  }
  return bands.size() == 1 ? bands[0] : torch::cat(bands, 2);
}

// Runs the head on token rows [first, last) of the decoder's output `grid`, whose row 0 is token
// row grid_first of the picture and which holds the margin rows the head needs (except at the
// picture's edges), and writes the pixels into *image.
void head_rows(TokenizerModel& net, const torch::Tensor& grid, int64_t grid_first, Rows rows, Image* image) {
  const int64_t patch = net->config().patch, grid_last = grid_first + grid.size(2);
  for (int64_t first = rows.first; first < rows.second; first += kConvBand) {
    const int64_t last = std::min(first + kConvBand, rows.second);
    const int64_t from = std::max(first - kConvMargin, grid_first), to = std::min(last + kConvMargin, grid_last);
    const auto pixels = net->head_pixels(grid.narrow(2, from - grid_first, to - from))[0][0];
    write_image_rows(pixels.narrow(1, (first - from) * patch, (last - first) * patch), first * patch, image);
  }
}

// The BSQ codes of token rows [first, last) (wrapping around), as the decoder takes them. With
// token_bits, channels at and past a token's own count are 0, as past `bits` for every token.
torch::Tensor code_rows(const std::vector<uint64_t>& codes, int bits, int model_bits, const Plan& p, Rows rows,
                        const torch::Device& device, const std::vector<uint8_t>* token_bits) {
  std::vector<torch::Tensor> parts;
  for (const Rows& r : wrapped(rows.first, rows.second, p.plane.rows)) {
    const int64_t from = r.first * p.plane.cols, to = r.second * p.plane.cols;
    const std::vector<uint64_t> part(codes.begin() + from, codes.begin() + to);
    torch::Tensor unpacked = unpack_codes(part, bits, model_bits);
    if (token_bits) {
      const auto kept = torch::from_blob(const_cast<uint8_t*>(token_bits->data()) + from, {to - from}, torch::kUInt8)
                            .to(torch::kInt64)
                            .unsqueeze(1);
      unpacked = unpacked * torch::arange(model_bits, torch::kInt64).unsqueeze(0).lt(kept).to(unpacked.dtype());
    }
    parts.push_back(unpacked.view({1, 1, r.second - r.first, p.plane.cols, model_bits}));
  }
  return torch::cat(parts, 2).to(device);
}

}  // namespace

bool fits_one_pass(Transformer& transformer, int64_t core, int64_t size) {
  const Rows need = transformer->input_rows(-kConvMargin, core + kConvMargin);
  return size <= need.second - need.first;
}

TokenPlaneSize token_plane_size(const ModelConfig& config, int width, int height) {
  const int64_t w = config.window_pixels();
  return {(height + w - 1) / w * config.window, (width + w - 1) / w * config.window};
}

std::vector<uint64_t> encode_in_stripes(TokenizerModel& net, const Image& image, int bits, const torch::Device& device,
                                        int64_t stripe_tokens, std::vector<uint8_t>* confidence,
                                        const torch::Tensor& latent) {
  const ModelConfig& c = net->config();
  const Plan p = plan(c, net->encoder(), image.width, image.height, stripe_tokens);
  int64_t latent_row = 0;
  const auto codes_of = [&](const torch::Tensor& encoded) {
    const auto all = net->quantizer()->quantize(encoded, 1.0).u;
    if (latent.defined()) {
      const int64_t n = all.size(2);
      latent.narrow(0, latent_row, n).copy_(all[0][0]);
      latent_row += n;
    }
    const auto u = all.narrow(-1, 0, bits);
    if (confidence) {
      const auto margin = (u.abs() * (std::sqrt(static_cast<double>(c.bits)) * 64.0))
                              .round()
                              .clamp_max(255)
                              .to(torch::kCPU, torch::kUInt8)
                              .contiguous();
      confidence->insert(confidence->end(), margin.data_ptr<uint8_t>(), margin.data_ptr<uint8_t>() + margin.numel());
    }
    return pack_codes(u);
  };
  if (p.whole) return codes_of(net->encoder()->forward(stem_rows(net, image, p, {0, p.plane.rows}, device)));
  std::vector<uint64_t> codes;
  codes.reserve(static_cast<size_t>(p.plane.rows * p.plane.cols));
  for (int64_t first = 0; first < p.plane.rows; first += p.core) {
    const int64_t last = std::min(first + p.core, p.plane.rows);
    const Rows need = net->encoder()->input_rows(first, last);
    std::vector<torch::Tensor> parts;
    for (const Rows& r : wrapped(need.first, need.second, p.plane.rows))
      parts.push_back(stem_rows(net, image, p, r, device));
    const auto encoded = net->encoder()->forward(torch::cat(parts, 2)).narrow(2, first - need.first, last - first);
    const auto stripe = codes_of(encoded);
    codes.insert(codes.end(), stripe.begin(), stripe.end());
  }
  return codes;
}

torch::Tensor latent_tensor(const ModelConfig& config, int width, int height) {
  const TokenPlaneSize plane = token_plane_size(config, width, height);
  return torch::empty({plane.rows, plane.cols, static_cast<int64_t>(config.bits)}, torch::kHalf);
}

Image decode_in_stripes(TokenizerModel& net, const std::vector<uint64_t>& codes, int bits, int width, int height,
                        const torch::Device& device, int64_t stripe_tokens, const std::vector<uint8_t>* token_bits) {
  const ModelConfig& c = net->config();
  const Plan p = plan(c, net->decoder(), width, height, stripe_tokens);
  TORCH_CHECK(!token_bits || token_bits->size() == codes.size(), "decode_in_stripes: one bit count per token");
  Image image(width, height);
  const auto decoded = [&](Rows rows) {
    return net->decoder()->forward(
        net->quantizer()->dequantize(code_rows(codes, bits, c.bits, p, rows, device, token_bits)));
  };
  if (p.whole) {
    head_rows(net, decoded({0, p.plane.rows}), 0, {0, p.plane.rows}, &image);
    return image;
  }
  for (int64_t first = 0; first < p.plane.rows; first += p.core) {
    const int64_t last = std::min(first + p.core, p.plane.rows);
    // The head needs a token of margin, cut at the image edges where its convolutions pad.
    const Rows head{std::max<int64_t>(first - kConvMargin, 0), std::min(last + kConvMargin, p.plane.rows)};
    const Rows need = net->decoder()->input_rows(head.first, head.second);
    const auto grid = decoded(need).narrow(2, head.first - need.first, head.second - head.first);
    head_rows(net, grid, head.first, {first, last}, &image);
  }
  return image;
}

}  // namespace bsq::model

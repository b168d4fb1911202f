// Gradient search on the latent, tile by tile (see latent_search.h).
#include "model/latent_search.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include "bsq/quality.h"
#include "model/bsq_quantizer.h"
#include "model/huge_page_allocator.h"
#include "model/image_tensor.h"
#include "model/stripe_runner.h"

namespace bsq::model {
namespace {

using Range = std::pair<int64_t, int64_t>;  // [first, last)

// How one axis of the grid is cut: whole when one tile and its halo would cover it anyway.
struct Axis {
  int64_t size = 0, tile = 0;
  bool whole = false;
};

Axis cut(int64_t size, int64_t tile, Transformer& decoder) { return {size, tile, fits_one_pass(decoder, tile, size)}; }

// For the core [first, last) of an axis: the token range the head runs on (its margin, cut at the
// picture's edges where its convolutions pad) and the decoder's input range for it.
struct Span {
  Range core, head, need;
};

Span span_of(const Axis& a, int64_t first, Transformer& decoder) {
  Span s;
  s.core = {first, std::min(first + a.tile, a.size)};
  if (a.whole) {
    s.core = s.head = s.need = {0, a.size};
    return s;
  }
  s.head = {std::max<int64_t>(s.core.first - kConvMargin, 0), std::min(s.core.second + kConvMargin, a.size)};
  s.need = decoder->input_rows(s.head.first, s.head.second);
  return s;
}

// Gives the heap's free pages back to the system. A tile's autograd allocates and frees a few
// hundred MB of differently sized blocks; glibc keeps freed heap memory, and over the hundreds of
// tiles of a large photo that grows the process by more than the search uses at any moment
// (an 8000x6000 photo passed 1.8 GB without this; bench/large_image_effort3.md has its peak with it).
void release_free_memory() {
  release_kept_blocks();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Indices first..last-1 modulo n: rows past an edge are the other edge's, as the windows wrap.
torch::Tensor wrapped_indices(Range r, int64_t n) {
  return torch::remainder(torch::arange(r.first, r.second, torch::kInt64), n);
}

}  // namespace

SearchSettings search_for_effort(int effort, double decoder_macs_per_pixel) {
  // Gradient steps per tile and their size for the reference network, by effort
  // (bench/latent_search.md): few large steps at low effort (one step flips every bit within
  // `step` of its boundary that the gradient wants flipped), more and finer ones above.
  static constexpr struct {
    int iterations;
    double step;
  } kLevels[] = {{0, 0},     {1, 0.015},  {2, 0.01},   {3, 0.008}, {5, 0.005},
                 {8, 0.004}, {12, 0.003}, {16, 0.003}, {24, 0.003}};
  static_assert(std::size(kLevels) == kMaxEffort - kMinEffort + 1);
  size_t level = static_cast<size_t>(std::clamp(effort, kMinEffort, kMaxEffort) - kMinEffort);
  // The budget: the level's steps on the reference network, in this network's steps. On the train
  // photos' crops default.bsqm at 16 bits gained +0.37 dB (2.1 % more bits) at level 3, +0.62 dB
  // (3.4 %) at level 6, in about the search time per pixel of fine32.bsqm at level 3
  // (models/README.md, the levers' table).
  const double budget =
      kLevels[level].iterations * kSearchReferenceMacsPerPixel / std::max(decoder_macs_per_pixel, 1.0);
  while (level + 1 < std::size(kLevels) && kLevels[level + 1].iterations <= budget) ++level;
  SearchSettings s;
  s.iterations = kLevels[level].iterations;
  s.step = kLevels[level].step;
  return s;
}

std::vector<uint64_t> search_codes(TokenizerModel& net, const Image& image, torch::Tensor& latent, int bits,
                                   const SearchSettings& settings, const torch::Device& device,
                                   const std::vector<uint8_t>* token_bits) {
  // A caller inside a no-grad or inference scope would otherwise leave backward() no graph.
  const c10::InferenceMode not_inference(false);
  const torch::AutoGradMode with_gradients(true);
  const ModelConfig& c = net->config();
  const int64_t patch = c.patch, window = c.window;
  // The state: every latent, updated tile by tile; its signs are the codes. Kept as it comes
  // (float16 from latent_tensor(): half the memory; a tile's search runs in float32).
  TORCH_CHECK(latent.device().is_cpu() && latent.is_contiguous(), "search_codes: a contiguous CPU latent");
  const torch::Tensor& state = latent;
  const int64_t rows = state.size(0), cols = state.size(1);
  TORCH_CHECK(!token_bits || token_bits->size() == static_cast<size_t>(rows * cols), "search_codes: a count per token");
  // Bits past a token's own count cleared, as the decoder will see them.
  const auto packed = [&] {
    std::vector<uint64_t> codes = pack_codes(state.narrow(-1, 0, bits));
    if (token_bits)
      for (size_t i = 0; i < codes.size(); ++i)
        if ((*token_bits)[i] < 64) codes[i] &= (uint64_t{1} << (*token_bits)[i]) - 1;
    return codes;
  };
  if (settings.iterations <= 0) return packed();
  release_free_memory();  // what the encoder's stripes left
  const int64_t tile = std::max(window, settings.tile / window * window);
  const Axis ay = cut(rows, tile, net->decoder()), ax = cut(cols, tile, net->decoder());
  const auto uniform_mask = leading_bits_mask(bits, c.bits).to(device);
  // Per token, [rows, cols] of counts; a region's mask is [h, w, L].
  const torch::Tensor kept =
      token_bits
          ? torch::from_blob(const_cast<uint8_t*>(token_bits->data()), {rows, cols}, torch::kUInt8).to(torch::kInt64)
          : torch::Tensor();
  const auto channels = torch::arange(c.bits, torch::kInt64);
  const auto mask_of = [&](const torch::Tensor& row_index, const torch::Tensor& col_index) {
    if (!kept.defined()) return uniform_mask;
    const auto counts = kept.index_select(0, row_index).index_select(1, col_index).unsqueeze(-1);
    return channels.lt(counts).to(device, torch::kFloat32);
  };

  for (int64_t r0 = 0; r0 < rows; r0 += ay.whole ? rows : tile) {
    const Span sy = span_of(ay, r0, net->decoder());
    const int64_t y0 = sy.core.first * patch, y1 = std::min<int64_t>(sy.core.second * patch, image.height);
    if (y1 <= y0) continue;  // a tile of padding alone
    const auto row_index = wrapped_indices(sy.need, rows);
    const auto core_rows = torch::arange(sy.core.first, sy.core.second, torch::kInt64);
    for (int64_t c0 = 0; c0 < cols; c0 += ax.whole ? cols : tile) {
      const Span sx = span_of(ax, c0, net->decoder());
      const int64_t x0 = sx.core.first * patch, x1 = std::min<int64_t>(sx.core.second * patch, image.width);
      if (x1 <= x0) continue;
      const auto col_index = wrapped_indices(sx.need, cols);
      const auto region = state.index_select(0, row_index).index_select(1, col_index).to(device, torch::kFloat32);
      const auto fixed = straight_through(region, 1.0) * mask_of(row_index, col_index);
      const auto core_mask = mask_of(core_rows, torch::arange(sx.core.first, sx.core.second, torch::kInt64));
      const Range cy{sy.core.first - sy.need.first, sy.core.second - sy.need.first};
      const Range cx{sx.core.first - sx.need.first, sx.core.second - sx.need.first};
      auto v = region.slice(0, cy.first, cy.second).slice(1, cx.first, cx.second).clone().set_requires_grad(true);
      const auto target = image_rows_to_tensor(image, y0, y1, cols * patch).slice(4, x0, x1).to(device)[0][0];
      torch::optim::Adam adam({v}, torch::optim::AdamOptions(settings.step));
      auto best = v.detach().clone();
      double best_error = std::numeric_limits<double>::infinity();
      for (int it = 0; it <= settings.iterations; ++it) {
        // The last iterate is only scored, never stepped from: no graph for it, so the decoder
        // takes its faster inference path (TransformerBlock).
        const torch::AutoGradMode graph(it < settings.iterations);
        auto codes = fixed.clone();
        codes.slice(0, cy.first, cy.second).slice(1, cx.first, cx.second).copy_(straight_through(v, 1.0) * core_mask);
        const auto grid = net->decoder()->forward(
            net->quantizer()->dequantize(codes.view({1, 1, codes.size(0), codes.size(1), c.bits})));
        const auto head_in = grid.slice(2, sy.head.first - sy.need.first, sy.head.second - sy.need.first)
                                 .slice(3, sx.head.first - sx.need.first, sx.head.second - sx.need.first);
        const auto pixels = net->head_pixels(head_in)[0][0].to(torch::kFloat32);
        const int64_t py = (sy.core.first - sy.head.first) * patch, px = (sx.core.first - sx.head.first) * patch;
        // Clamped to the pixel range as the decoder's output is: a value past it costs nothing
        // more, and an iterate must not win on error the decoded picture never shows.
        const auto difference =
            pixels.slice(1, py, py + (y1 - y0)).slice(2, px, px + (x1 - x0)).clamp(-1.0, 1.0) - target;
        const auto error = difference.pow(2).sum();
        // Which iterate wins is decided in double: the rounding of a float sum follows its order,
        // and so the thread count, and could tip a near tie; a double sum's is far below any.
        const double e = difference.detach().to(torch::kFloat64).pow(2).sum().item<double>();
        if (e < best_error) best_error = e, best = v.detach().clone();
        if (it == settings.iterations) break;
        adam.zero_grad();
        error.backward();
        adam.step();
      }
      state.slice(0, sy.core.first, sy.core.second)
          .slice(1, sx.core.first, sx.core.second)
          .copy_(best.to(torch::kCPU, state.scalar_type()));
      // After every tile: trimming every 8th instead gave a 2560x1600 photo 22 % more peak
      // memory for a quarter less time.
      release_free_memory();
    }
  }
  return packed();
}

}  // namespace bsq::model

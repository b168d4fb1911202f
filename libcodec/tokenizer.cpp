// Public Tokenizer: loads a model file and runs the network, catching LibTorch errors here.
#include "bsq/tokenizer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <thread>

#include "exception_status.h"
#include "model/bsq_quantizer.h"
#include "model/compute_precision.h"
#include "model/huge_page_allocator.h"
#include "model/image_tensor.h"
#include "model/latent_search.h"
#include "model/model_file.h"
#include "model/stripe_runner.h"
#include "token_coder.h"
#include "window_bits.h"

namespace bsq {
namespace {

template <typename Fn>
auto guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return exception_status(StatusCode::kInternal, what, e);
  }
}

}  // namespace

struct Tokenizer::Impl {
  model::TokenizerModel net{nullptr};
  uint64_t fingerprint = 0;
  torch::Device device = torch::kCPU;
  bool bfloat16 = false;
  uint64_t max_pixels = kMaxPixels;
};

void set_compute_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

StatusOr<ModelFileInfo> read_model_info(const std::string& model_path) {
  auto header = model::read_model_header(model_path);
  if (!header.ok()) return header.status();
  return ModelFileInfo{header->config, header->fingerprint};
}

StatusOr<Tokenizer> Tokenizer::open(const std::string& model_path, const RuntimeOptions& runtime) {
  return guarded("loading model", [&]() -> StatusOr<Tokenizer> {
    if (runtime.threads >= 0) set_compute_threads(runtime.threads);
    model::install_huge_page_allocator();
    auto loaded = model::load_model(model_path);
    if (!loaded.ok()) return loaded.status();
    auto impl = std::make_unique<Impl>();
    impl->device =
        runtime.use_gpu && torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    impl->net = loaded.value().net;
    impl->net->to(impl->device);
    impl->net->eval();
    // Only the latent search (model/latent_search.h) differentiates, and only by its latent.
    for (auto& p : impl->net->parameters()) p.set_requires_grad(false);
    impl->bfloat16 = runtime.precision == Precision::kBFloat16 ||
                     (runtime.precision == Precision::kAuto && impl->device.is_cpu() && model::cpu_has_fast_bfloat16());
    if (impl->bfloat16) model::to_compute_precision(*impl->net, torch::kBFloat16);
    if (runtime.max_pixels > 0) impl->max_pixels = std::min(runtime.max_pixels, kMaxPixels);
    impl->fingerprint = loaded.value().fingerprint;
    return Tokenizer(std::move(impl));
  });
}

const ModelConfig& Tokenizer::config() const { return impl_->net->config(); }
uint64_t Tokenizer::fingerprint() const { return impl_->fingerprint; }
std::string Tokenizer::device() const { return impl_->device.is_cuda() ? "cuda" : "cpu"; }
uint64_t Tokenizer::max_pixels() const { return impl_->max_pixels; }

Status Tokenizer::pixel_limit_error(int width, int height) const {
  return Status(StatusCode::kUnsupported, fmt::format("{}x{} is {} pixels, over the limit of {} (--max-pixels)", width,
                                                      height, static_cast<uint64_t>(width) * height, max_pixels()));
}

std::string Tokenizer::precision() const { return impl_->bfloat16 ? "bfloat16" : "float32"; }

StatusOr<TokenGrid> Tokenizer::encode(const Image& image, int bits, int effort, bool per_window_bits) const {
  if (image.width < 1 || image.height < 1 || image.width > kMaxSide || image.height > kMaxSide ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3)
    return Status(StatusCode::kInvalidArgument, fmt::format("encode: bad image {}x{}", image.width, image.height));
  if (static_cast<uint64_t>(image.width) * image.height > max_pixels())
    return pixel_limit_error(image.width, image.height);
  const int kept = bits == 0 ? config().bits : bits;
  if (kept < config().lowest_bits() || kept > config().bits)
    return Status(StatusCode::kInvalidArgument,
                  config().scalable()
                      ? fmt::format("encode: this model codes {} to {} bits per token, not {}", config().lowest_bits(),
                                    config().bits, kept)
                      : fmt::format("encode: this model codes {} bits per token, not {}", config().bits, kept));
  BSQ_RETURN_IF_ERROR(check_effort(effort));
  return guarded("encode", [&]() -> StatusOr<TokenGrid> {
    const model::SearchSettings search = model::search_for_effort(effort, impl_->net->decoder_macs_per_pixel());
    const auto plane = model::token_plane_size(config(), image.width, image.height);
    const bool adaptive = per_window_bits && config().scalable() && effort > kMinEffort;
    // Made outside inference mode: the search differentiates by it, which an inference tensor
    // cannot take part in.
    torch::Tensor latent =
        search.iterations > 0 ? model::latent_tensor(config(), image.width, image.height) : torch::Tensor();
    std::vector<uint64_t> codes;
    std::vector<uint8_t> window_bits, token_bits;
    int grid_bits = kept;
    {
      torch::InferenceMode inference;
      const int64_t stripe = latent.defined() ? model::kSearchStripeTokens : model::kStripeTokens;
      // The choice per window needs every bit; the grid then keeps each window's leading ones.
      codes = model::encode_in_stripes(impl_->net, image, adaptive ? config().bits : kept, impl_->device, stripe,
                                       nullptr, latent);
      if (adaptive) {
        window_bits = choose_window_bits(impl_->net, image, codes, plane.rows, plane.cols, kept, impl_->device);
        const auto [low, high] = std::minmax_element(window_bits.begin(), window_bits.end());
        grid_bits = *high;
        if (*low == *high) window_bits.clear();  // one count everywhere: a plain grid of it
        if (!window_bits.empty())
          token_bits = token_bits_of_windows(plane.rows, plane.cols, config().window, window_bits);
        keep_leading_bits(codes, grid_bits, token_bits);
      }
    }
    if (search.iterations > 0)
      codes = model::search_codes(impl_->net, image, latent, grid_bits, search, impl_->device,
                                  token_bits.empty() ? nullptr : &token_bits);
    TokenGrid grid;
    grid.frames = 1;
    grid.rows = static_cast<int>(plane.rows);
    grid.cols = static_cast<int>(plane.cols);
    grid.bits = grid_bits;
    grid.width = image.width;
    grid.height = image.height;
    grid.patch = config().patch;
    grid.codes = std::move(codes);
    if (!window_bits.empty()) {
      grid.window = config().window;
      grid.window_bits = std::move(window_bits);
    }
    return grid;
  });
}

Status Tokenizer::fits(const TokenGrid& grid) const {
  const auto& c = config();
  const int w = c.window_pixels();
  const auto misfit = [](const std::string& what) {
    return Status(StatusCode::kInvalidArgument, "token grid: " + what);
  };
  if (grid.bits < c.lowest_bits() || grid.bits > c.bits)
    return misfit(c.scalable()
                      ? fmt::format("{} bits per token; the model takes {} to {}", grid.bits, c.lowest_bits(), c.bits)
                      : fmt::format("{} bits per token; the model takes {}", grid.bits, c.bits));
  if (grid.patch != 0 && grid.patch != c.patch)
    return misfit(fmt::format("tokens of {}-pixel patches; the model has {}-pixel ones", grid.patch, c.patch));
  if (grid.frames != 1) return misfit(fmt::format("{} frames; an image has one", grid.frames));
  if (grid.width < 1 || grid.height < 1 || grid.width > kMaxSide || grid.height > kMaxSide)
    return misfit(fmt::format("image size {}x{} is outside 1..{}", grid.width, grid.height, kMaxSide));
  // encode() pads the image to whole attention windows: that many tokens, never fewer or more.
  const int rows = (grid.height + w - 1) / w * c.window, cols = (grid.width + w - 1) / w * c.window;
  if (grid.rows != rows || grid.cols != cols)
    return misfit(fmt::format(
        "{}x{} tokens, but a {}x{} image has {}x{} with this model ({}-pixel patches, windows of {} tokens)", grid.rows,
        grid.cols, grid.width, grid.height, rows, cols, c.patch, c.window));
  if (grid.codes.size() != static_cast<size_t>(rows) * cols)
    return misfit(fmt::format("{} codes for {}x{} tokens", grid.codes.size(), rows, cols));
  const auto allowed = [](int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; };
  if (grid.window_bits.empty()) {
    if (grid.window != 0) return misfit(fmt::format("windows of {} tokens but no counts for them", grid.window));
    for (size_t i = 0; i < grid.codes.size(); ++i)
      if ((grid.codes[i] & ~allowed(grid.bits)) != 0)
        return misfit(fmt::format("code {} of token {} has more than {} bits", grid.codes[i], i, grid.bits));
    return Status::Ok();
  }
  if (grid.window < 1 || grid.window > entropy::kMaxTokenRows)
    return misfit(
        fmt::format("windows of {} tokens; counts per window need 1..{}", grid.window, entropy::kMaxTokenRows));
  const int64_t across = (cols + grid.window - 1) / grid.window, down = (rows + grid.window - 1) / grid.window;
  if (grid.window_bits.size() != static_cast<size_t>(across * down))
    return misfit(fmt::format("{} counts for the {}x{} windows of {} tokens", grid.window_bits.size(), down, across,
                              grid.window));
  for (size_t w = 0; w < grid.window_bits.size(); ++w)
    if (grid.window_bits[w] < c.lowest_bits() || grid.window_bits[w] > grid.bits)
      return misfit(fmt::format("window {} keeps {} bits; the grid takes {} to {}", w, grid.window_bits[w],
                                c.lowest_bits(), grid.bits));
  const auto kept = token_bits_of_windows(rows, cols, grid.window, grid.window_bits);
  for (size_t i = 0; i < grid.codes.size(); ++i)
    if ((grid.codes[i] & ~allowed(kept[i])) != 0)
      return misfit(fmt::format("code {} of token {} has more than its window's {} bits", grid.codes[i], i, kept[i]));
  return Status::Ok();
}

StatusOr<Image> Tokenizer::decode(const TokenGrid& grid) const {
  BSQ_RETURN_IF_ERROR(fits(grid));
  if (static_cast<uint64_t>(grid.width) * grid.height > max_pixels()) return pixel_limit_error(grid.width, grid.height);
  return guarded("decode", [&]() -> StatusOr<Image> {
    torch::InferenceMode inference;
    if (grid.window_bits.empty())
      return model::decode_in_stripes(impl_->net, grid.codes, grid.bits, grid.width, grid.height, impl_->device);
    const auto kept = token_bits_of_windows(grid.rows, grid.cols, grid.window, grid.window_bits);
    return model::decode_in_stripes(impl_->net, grid.codes, grid.bits, grid.width, grid.height, impl_->device,
                                    model::kStripeTokens, &kept);
  });
}

}  // namespace bsq

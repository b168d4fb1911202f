// Public Tokenizer: loads a model file and runs the network, catching LibTorch errors here.
#include "bsq/tokenizer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <thread>

#include "model/bsq_quantizer.h"
#include "model/image_tensor.h"
#include "model/model_file.h"

namespace bsq {
namespace {

constexpr int kMaxSide = 1 << 15;  // matches the I/O layer's cap

template <typename Fn>
auto guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));  // LibTorch messages carry a backtrace after the first line
    return Status(StatusCode::kInternal, fmt::format("{}: {}", what, msg));
  }
}

}  // namespace

struct Tokenizer::Impl {
  model::TokenizerModel net{nullptr};
  uint64_t fingerprint = 0;
  torch::Device device = torch::kCPU;
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
    set_compute_threads(runtime.threads);
    auto loaded = model::load_model(model_path);
    if (!loaded.ok()) return loaded.status();
    auto impl = std::make_unique<Impl>();
    impl->device =
        runtime.use_gpu && torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    impl->net = loaded.value().net;
    impl->net->to(impl->device);
    impl->net->eval();
    impl->fingerprint = loaded.value().fingerprint;
    return Tokenizer(std::move(impl));
  });
}

const ModelConfig& Tokenizer::config() const { return impl_->net->config(); }
uint64_t Tokenizer::fingerprint() const { return impl_->fingerprint; }
std::string Tokenizer::device() const { return impl_->device.is_cuda() ? "cuda" : "cpu"; }

StatusOr<TokenGrid> Tokenizer::encode(const Image& image, int bits) const {
  if (image.width < 1 || image.height < 1 || image.width > kMaxSide || image.height > kMaxSide ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3)
    return Status(StatusCode::kInvalidArgument, fmt::format("encode: bad image {}x{}", image.width, image.height));
  const int kept = bits == 0 ? config().bits : bits;
  if (kept < config().lowest_bits() || kept > config().bits)
    return Status(StatusCode::kInvalidArgument,
                  config().scalable()
                      ? fmt::format("encode: this model codes {} to {} bits per token, not {}", config().lowest_bits(),
                                    config().bits, kept)
                      : fmt::format("encode: this model codes {} bits per token, not {}", config().bits, kept));
  return guarded("encode", [&]() -> StatusOr<TokenGrid> {
    torch::InferenceMode inference;
    const auto& c = config();
    auto x = model::pad_to_multiple(model::image_to_tensor(image).to(impl_->device), c.window_pixels());
    const auto u = impl_->net->encode(x).u.squeeze(0).to(torch::kCPU);  // [T, h, w, L]
    TokenGrid grid;
    grid.frames = static_cast<int>(u.size(0));
    grid.rows = static_cast<int>(u.size(1));
    grid.cols = static_cast<int>(u.size(2));
    grid.bits = kept;
    grid.width = image.width;
    grid.height = image.height;
    grid.codes = model::pack_codes(u.narrow(-1, 0, kept));
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
  const uint64_t allowed = grid.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << grid.bits) - 1;
  for (size_t i = 0; i < grid.codes.size(); ++i)
    if ((grid.codes[i] & ~allowed) != 0)
      return misfit(fmt::format("code {} of token {} has more than {} bits", grid.codes[i], i, grid.bits));
  return Status::Ok();
}

StatusOr<Image> Tokenizer::decode(const TokenGrid& grid) const {
  BSQ_RETURN_IF_ERROR(fits(grid));
  const auto& c = config();
  return guarded("decode", [&]() -> StatusOr<Image> {
    torch::InferenceMode inference;
    const auto bits =
        model::unpack_codes(grid.codes, grid.bits, c.bits).view({1, grid.frames, grid.rows, grid.cols, c.bits});
    const auto pixels = impl_->net->decode(bits.to(impl_->device));
    return model::tensor_to_image(pixels[0][0], grid.width, grid.height);
  });
}

}  // namespace bsq

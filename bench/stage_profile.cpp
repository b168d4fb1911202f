// Times every stage of one image's encode and decode, and counts the network's multiply-adds.
// Usage: bsq_stage_profile MODEL IMAGE_W IMAGE_H [BITS] [THREADS] [REPEATS] [float32|bfloat16] [ops]
//        bsq_stage_profile gemm [THREADS]: the rate of a plain 1024x1024 matrix product, for scale
// BSQ_PROFILE_LIBTORCH_ALLOCATOR=1: LibTorch's default CPU allocator instead of the codec's
// (model/huge_page_allocator.h).
// Prints one line per stage: name, milliseconds (median of REPEATS), GMAC, achieved GFLOPS; with
// "ops", first LibTorch's operator profile of one decoder block and of the head.
// The stages are the model's own submodules run one after the other, as TokenizerModel runs them,
// so the sum is the network time of Tokenizer::encode/decode; the entropy coder, the
// pixel conversion and model loading are timed through the same calls the codec makes.
#include <fmt/format.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bsq/codec.h"
#include "model/compute_precision.h"
#include "model/huge_page_allocator.h"
#include "model/image_tensor.h"
#include "model/model_file.h"
#include "model/tokenizer_model.h"
#include "model/transformer.h"
#include "token_coder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stage {
  std::string name;
  double gmac = 0;
  std::vector<double> ms;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <typename Fn>
double time_ms(Fn&& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

torch::Tensor rgb_noise(int w, int h) {
  bsq::Image image(w, h);
  std::mt19937 rng(1);
  // Smooth noise: values drift, so the prior has structure to learn as on photos.
  int v = 128;
  for (auto& p : image.rgb) p = static_cast<uint8_t>(v = std::clamp(v + static_cast<int>(rng() % 9) - 4, 0, 255));
  return bsq::model::image_to_tensor(image);
}

// Self time of each LibTorch operator while fn runs, largest first (LibTorch's legacy profiler).
template <typename Fn>
void print_operator_times(const std::string& title, Fn&& fn) {
  namespace prof = torch::autograd::profiler;
  prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  fn();
  const auto lists = prof::disableProfilerLegacy();
  std::map<std::string, std::pair<double, int>> self;  // name -> (microseconds, calls)
  for (const auto& events : lists) {
    std::vector<std::pair<const prof::LegacyEvent*, double>> open;  // push event, children's time
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) {
        open.push_back({&e, 0.0});
      } else if (e.kind() == prof::EventKind::PopRange && !open.empty()) {
        const auto [push, children] = open.back();
        open.pop_back();
        const double us = push->cpuElapsedUs(e);
        auto& entry = self[push->name()];
        entry.first += us - children;
        entry.second += 1;
        if (!open.empty()) open.back().second += us;
      }
    }
  }
  std::vector<std::pair<double, std::string>> order;
  double total = 0;
  for (const auto& [name, v] : self) order.push_back({v.first, name}), total += v.first;
  std::sort(order.rbegin(), order.rend());
  fmt::print("# operators of {}: self time, {:.1f} ms in all\n", title, total / 1e3);
  for (size_t i = 0; i < std::min<size_t>(order.size(), 14); ++i)
    fmt::print("  {:<36} {:8.2f} ms {:5d} calls\n", order[i].second, order[i].first / 1e3,
               self[order[i].second].second);
}

// GFLOPS of a 1024x1024x1024 product in float32 and bfloat16, the best of 5 runs of 10.
void print_gemm_rates() {
  const torch::InferenceMode inference;
  for (const auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    const auto a = torch::randn({1024, 1024}).to(dtype), b = torch::randn({1024, 1024}).to(dtype);
    for (int i = 0; i < 3; ++i) torch::mm(a, b);
    double best = 1e30;
    for (int run = 0; run < 5; ++run)
      best = std::min(best, time_ms([&] {
                              for (int i = 0; i < 10; ++i) torch::mm(a, b);
                            }) / 10);
    fmt::print("{} 1024x1024x1024: {:.2f} ms, {:.0f} GFLOPS\n", c10::toString(dtype), best,
               2.0 * (1 << 30) / best / 1e6);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "gemm") {
    bsq::set_compute_threads(argc > 2 ? std::atoi(argv[2]) : 0);
    print_gemm_rates();
    return 0;
  }
  if (argc < 4) {
    fmt::print(stderr, "usage: {} MODEL WIDTH HEIGHT [BITS] [THREADS] [REPEATS] [PRECISION] [ops] | gemm [THREADS]\n",
               argv[0]);
    return 2;
  }
  const int width = std::atoi(argv[2]), height = std::atoi(argv[3]);
  const int threads = argc > 5 ? std::atoi(argv[5]) : 0;
  const int repeats = argc > 6 ? std::max(1, std::atoi(argv[6])) : 3;
  bsq::set_compute_threads(threads);
  // As bsq::Tokenizer does; BSQ_PROFILE_LIBTORCH_ALLOCATOR=1 keeps LibTorch's own, for comparison.
  const char* libtorch_allocator = std::getenv("BSQ_PROFILE_LIBTORCH_ALLOCATOR");
  if (!libtorch_allocator || std::string(libtorch_allocator) != "1") bsq::model::install_huge_page_allocator();
  std::vector<Stage> stages;
  auto add = [&](const std::string& name, double gmac, double ms) {
    auto it = std::find_if(stages.begin(), stages.end(), [&](const Stage& s) { return s.name == name; });
    if (it == stages.end()) it = stages.insert(stages.end(), Stage{name, gmac, {}});
    it->ms.push_back(ms);
  };

  bsq::model::LoadedModel loaded;
  add("model load", 0, time_ms([&] {
        auto m = bsq::model::load_model(argv[1]);
        if (!m.ok()) fmt::print(stderr, "{}\n", m.status().message()), std::exit(1);
        loaded = m.value();
      }));
  auto net = loaded.net;
  net->eval();
  const bool bf16 = argc > 7 && std::string(argv[7]) == "bfloat16";
  if (bf16) bsq::model::to_compute_precision(*net, torch::kBFloat16);
  const auto& c = net->config();
  const int bits = argc > 4 && std::atoi(argv[4]) > 0 ? std::atoi(argv[4]) : c.bits;
  auto modules = net->named_children();
  auto stem = modules["stem"], head = modules["head"];
  auto quantizer = modules["quantizer"]->as<bsq::model::BsqQuantizer>();
  auto enc = modules["encoder"]->named_children(), dec = modules["decoder"]->named_children();

  const auto image = rgb_noise(width, height);
  const int64_t wp = c.window_pixels();
  const int64_t H = (height + wp - 1) / wp * wp, W = (width + wp - 1) / wp * wp;
  const double tokens = static_cast<double>(H / c.patch) * (W / c.patch);
  const double stem_gmac = stem->as<bsq::model::ConvStem>()->macs(H, W) / 1e9;
  const double head_gmac = head->as<bsq::model::ConvHead>()->macs(H / c.patch, W / c.patch) / 1e9;
  // Every block of a network is alike: the same multiply-adds each.
  const double encoder_block_gmac = net->encoder()->macs_per_token() / c.encoder_depth * tokens / 1e9;
  const double decoder_block_gmac = net->decoder()->macs_per_token() / c.decoder_depth * tokens / 1e9;

  torch::InferenceMode inference;
  for (int r = 0; r < repeats; ++r) {
    torch::Tensor x, g, u, codes, pixels_out;
    std::vector<uint64_t> packed;
    std::vector<uint8_t> coded;
    add("pixels in", 0, time_ms([&] { x = bsq::model::pad_to_multiple(image, wp); }));
    add("stem", stem_gmac, time_ms([&] {
          auto feat = stem->as<bsq::model::ConvStem>()->forward(x.reshape({1, 3, H, W}));
          g = feat.view({1, 1, feat.size(1), feat.size(2), feat.size(3)}).permute({0, 1, 3, 4, 2});
        }));
    add("encoder norm", 0, time_ms([&] { g = enc["input_norm"]->as<torch::nn::LayerNorm>()->forward(g); }));
    int i = 0;
    for (const auto& block : *modules["encoder"]->named_children()["blocks"]->as<torch::nn::ModuleList>())
      add(fmt::format("encoder block {}", i++), encoder_block_gmac,
          time_ms([&] { g = block->as<bsq::model::TransformerBlock>()->forward(g); }));
    add("bsq + pack", tokens * c.width * c.bits / 1e9, time_ms([&] {
          g = enc["norm"]->as<torch::nn::LayerNorm>()->forward(g);
          u = quantizer->quantize(g, 1.0).u;
          packed = bsq::model::pack_codes(u.squeeze(0).narrow(-1, 0, bits));
        }));
    const int rows = static_cast<int>(H / c.patch), cols = static_cast<int>(W / c.patch);
    add("entropy encode", 0, time_ms([&] { coded = bsq::entropy::encode_tokens({1, rows, cols, bits, packed}); }));
    add("entropy decode", 0, time_ms([&] {
          bsq::entropy::TokenPlane plane;
          bsq::entropy::decode_tokens(coded.data(), coded.size(), 1, rows, cols, bits, &plane, nullptr);
        }));
    add("unpack + up", tokens * c.width * c.bits / 1e9, time_ms([&] {
          codes = bsq::model::unpack_codes(packed, bits, c.bits).view({1, 1, rows, cols, c.bits});
          g = quantizer->dequantize(codes);
          g = dec["input_norm"]->as<torch::nn::LayerNorm>()->forward(g);
        }));
    i = 0;
    for (const auto& block : *modules["decoder"]->named_children()["blocks"]->as<torch::nn::ModuleList>())
      add(fmt::format("decoder block {}", i++), decoder_block_gmac,
          time_ms([&] { g = block->as<bsq::model::TransformerBlock>()->forward(g); }));
    add("head", head_gmac, time_ms([&] {
          g = dec["norm"]->as<torch::nn::LayerNorm>()->forward(g);
          auto feat = g.permute({0, 1, 4, 2, 3}).reshape({1, c.width, rows, cols});
          pixels_out = head->as<bsq::model::ConvHead>()->forward(feat);
        }));
    add("pixels out", 0, time_ms([&] { bsq::model::tensor_to_image(pixels_out[0], width, height); }));
  }
  if (argc > 8 && std::string(argv[8]) == "ops") {
    auto grid = torch::randn({1, 1, H / c.patch, W / c.patch, c.width});
    auto block = modules["decoder"]->named_children()["blocks"]->as<torch::nn::ModuleList>()->ptr(1);
    print_operator_times("a shifted decoder block", [&] { block->as<bsq::model::TransformerBlock>()->forward(grid); });
    auto feat = torch::randn({1, c.width, H / c.patch, W / c.patch});
    print_operator_times("the head", [&] { head->as<bsq::model::ConvHead>()->forward(feat); });
  }
  fmt::print("# {} at {}x{} ({} bits per token, {} threads, {}, median of {})\n", argv[1], width, height, bits, threads,
             bf16 ? "bfloat16" : "float32", repeats);
  fmt::print("{:<18} {:>10} {:>8} {:>8}\n", "stage", "ms", "GMAC", "GFLOPS");
  double total = 0;
  for (const auto& s : stages) {
    const double ms = median(s.ms);
    if (s.name != "model load") total += ms;
    fmt::print("{:<18} {:>10.1f} {:>8.2f} {:>8.1f}\n", s.name, ms, s.gmac, s.gmac > 0 ? 2 * s.gmac / ms * 1e3 : 0.0);
  }
  fmt::print("{:<18} {:>10.1f}\n", "total (no load)", total);
  return 0;
}

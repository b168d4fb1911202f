// Rate-distortion choice of the kept bits per window (see window_bits.h).
#include "window_bits.h"

#include <algorithm>
#include <cmath>

#include "model/stripe_runner.h"
#include "token_coder.h"

namespace bsq {

std::vector<uint8_t> token_bits_of_windows(int64_t rows, int64_t cols, int window,
                                           const std::vector<uint8_t>& window_bits) {
  const int64_t across = (cols + window - 1) / window;
  std::vector<uint8_t> kept(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < cols; ++q) kept[r * cols + q] = window_bits[(r / window) * across + q / window];
  return kept;
}

void keep_leading_bits(std::vector<uint64_t>& codes, int bits, const std::vector<uint8_t>& token_bits) {
  for (size_t i = 0; i < codes.size(); ++i) {
    const int k = token_bits.empty() ? bits : token_bits[i];
    if (k < 64) codes[i] &= (uint64_t{1} << k) - 1;
  }
}

std::vector<uint8_t> choose_window_bits(model::TokenizerModel& net, const Image& image,
                                        const std::vector<uint64_t>& full_codes, int64_t rows, int64_t cols,
                                        int nominal, const torch::Device& device) {
  const ModelConfig& c = net->config();
  const int64_t window = c.window, patch = c.patch;
  const int64_t across = (cols + window - 1) / window, down = (rows + window - 1) / window;
  const size_t windows = static_cast<size_t>(across * down);
  std::vector<int> ks;
  for (const int d : kWindowBitsOffsets) {
    const int k = std::clamp(nominal + d, c.lowest_bits(), c.bits);
    if (std::find(ks.begin(), ks.end(), k) == ks.end()) ks.push_back(k);
  }
  std::sort(ks.begin(), ks.end());
  const auto nominal_at = std::find(ks.begin(), ks.end(), nominal);
  if (ks.size() < 2 || nominal_at == ks.end()) return std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal));

  // Per candidate and window: squared error of the decoded 8-bit pixels, and code length in bits.
  std::vector<std::vector<double>> sse(ks.size(), std::vector<double>(windows, 0.0));
  std::vector<std::vector<double>> rate(ks.size(), std::vector<double>(windows, 0.0));
  std::vector<double> total_rate(ks.size(), 0.0);
  for (size_t i = 0; i < ks.size(); ++i) {
    const int k = ks[i];
    std::vector<uint64_t> prefix = full_codes;
    keep_leading_bits(prefix, k);
    const Image decoded = model::decode_in_stripes(net, prefix, k, image.width, image.height, device);
    for (int y = 0; y < image.height; ++y) {
      const uint8_t* a = image.row(y);
      const uint8_t* b = decoded.row(y);
      double* row_sse = sse[i].data() + (y / patch / window) * across;
      for (int x = 0; x < image.width; ++x) {
        int64_t e = 0;
        for (int ch = 0; ch < 3; ++ch) {
          const int d = int{a[3 * x + ch]} - int{b[3 * x + ch]};
          e += d * d;
        }
        row_sse[x / patch / window] += static_cast<double>(e);
      }
    }
    const entropy::TokenPlane plane{1, static_cast<int>(rows), static_cast<int>(cols), k, std::move(prefix)};
    const std::vector<double> lengths = entropy::token_code_lengths_bits(plane);
    if (lengths.size() != full_codes.size()) return std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t q = 0; q < cols; ++q) rate[i][(r / window) * across + q / window] += lengths[r * cols + q];
    for (size_t w = 0; w < windows; ++w) total_rate[i] += rate[i][w];
  }

  // The budget: what the nominal count costs everywhere. The larger the multiplier, the fewer bits
  // each window's choice spends (each window's rate at its best count never grows with it), so a
  // bisection on the multiplier finds the cheapest price whose choice fits a limit.
  const size_t at = static_cast<size_t>(nominal_at - ks.begin());
  const double budget = total_rate[at];
  const auto choose = [&](double lambda, std::vector<uint8_t>& out) {
    double spent = 0;
    for (size_t w = 0; w < windows; ++w) {
      size_t best = at;
      double best_cost = sse[at][w] + lambda * rate[at][w];
      for (size_t i = 0; i < ks.size(); ++i) {
        const double cost = sse[i][w] + lambda * rate[i][w];
        if (cost < best_cost) best = i, best_cost = cost;
      }
      out[w] = static_cast<uint8_t>(ks[best]);
      spent += rate[best][w];
    }
    return spent;
  };
  const auto fit = [&](double limit) {
    std::vector<uint8_t> chosen(windows), trial(windows);
    // In log2 of the multiplier (squared 8-bit error per bit): 2^-20 buys every bit, 2^40 none.
    double cheap = -20, dear = 40;
    if (choose(std::exp2(dear), chosen) > limit) return std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal));
    for (int step = 0; step < 40; ++step) {
      const double mid = 0.5 * (cheap + dear);
      if (choose(std::exp2(mid), trial) <= limit)
        dear = mid, chosen.swap(trial);
      else
        cheap = mid;
    }
    return chosen;
  };
  // Those rates price each window among neighbours of its own count; the prior of the mixed grid
  // predicts tokens from neighbours of other counts, and the counts are coded too. So the real
  // cost of a choice is measured, and the limit shrinks by what it overshot the budget.
  const auto real_cost = [&](const std::vector<uint8_t>& chosen) {
    const std::vector<uint8_t> kept = token_bits_of_windows(rows, cols, static_cast<int>(window), chosen);
    entropy::TokenPlane plane{1,
                              static_cast<int>(rows),
                              static_cast<int>(cols),
                              *std::max_element(chosen.begin(), chosen.end()),
                              full_codes,
                              static_cast<int>(window),
                              chosen};
    keep_leading_bits(plane.codes, plane.bits, kept);
    return entropy::ideal_code_length_bits(plane);
  };
  double limit = budget;
  for (int round = 0; round < kWindowBitsBudgetRounds; ++round) {
    std::vector<uint8_t> chosen = fit(limit);
    const double real = real_cost(chosen);
    if (real <= budget) return chosen;
    limit *= budget / real;
  }
  return std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal));
}

}  // namespace bsq

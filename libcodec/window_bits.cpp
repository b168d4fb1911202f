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

std::vector<int> window_bits_candidates(const ModelConfig& config) {
  std::vector<int> ks;
  for (int h = 0;; ++h) {
    const int k = static_cast<int>(std::lround(config.lowest_bits() * std::exp2(0.5 * h)));
    if (k >= config.bits) break;
    if (ks.empty() || k > ks.back()) ks.push_back(k);
  }
  ks.push_back(config.bits);
  return ks;
}

std::vector<uint8_t> choose_window_bits(model::TokenizerModel& net, const Image& image,
                                        const std::vector<uint64_t>& full_codes, int64_t rows, int64_t cols,
                                        int nominal, const torch::Device& device) {
  const ModelConfig& c = net->config();
  const int64_t window = c.window, patch = c.patch;
  const int64_t across = (cols + window - 1) / window, down = (rows + window - 1) / window;
  const size_t windows = static_cast<size_t>(across * down);
  const std::vector<int> ks = window_bits_candidates(c);
  if (ks.size() < 2 || nominal < c.lowest_bits() || nominal > c.bits)
    return std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal));

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
  double budget = 0;
  if (const auto at = std::find(ks.begin(), ks.end(), nominal); at != ks.end()) {
    budget = total_rate[static_cast<size_t>(at - ks.begin())];
  } else {
    std::vector<uint64_t> prefix = full_codes;
    keep_leading_bits(prefix, nominal);
    const entropy::TokenPlane plane{1, static_cast<int>(rows), static_cast<int>(cols), nominal, std::move(prefix)};
    budget = entropy::ideal_code_length_bits(plane);
  }
  const auto choose = [&](double lambda, std::vector<uint8_t>& out) {
    double spent = 0;
    for (size_t w = 0; w < windows; ++w) {
      size_t best = 0;  // on a tie, the fewer bits
      double best_cost = sse[0][w] + lambda * rate[0][w];
      for (size_t i = 1; i < ks.size(); ++i) {
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
    // Below what the dearest price spends, that (the cheapest count in each window) is the choice.
    double cheap = -20, dear = 40;
    if (choose(std::exp2(dear), chosen) > limit) return chosen;
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
  // cost of a choice is measured: the limit first scales by what the choice missed the budget by,
  // then bisects between the largest limit whose choice fitted and the smallest that did not, and
  // the choice of the largest limit that fitted is kept. The search stops once a choice fits
  // closely, or when a larger limit changes nothing (every window at its least error). A larger
  // budget thus ends, as a rule, at a larger limit, a lower price and, the candidates being the
  // same, no more error in any window: the quality scale stays monotone. If nothing fits, the
  // nominal count everywhere.
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
  std::vector<uint8_t> kept;
  double fitted = 0, overshot = 0, limit = budget;  // 0: none yet
  for (int round = 0; round < kWindowBitsBudgetRounds; ++round) {
    std::vector<uint8_t> chosen = fit(limit);
    const double real = real_cost(chosen);
    if (real <= budget) {
      const bool same = chosen == kept;  // a larger limit buys nothing more (each window at its least error)
      kept.swap(chosen), fitted = limit;
      if (same || real >= kWindowBitsBudgetClose * budget) break;
    } else {
      overshot = limit;
    }
    limit = fitted > 0 && overshot > 0 ? 0.5 * (fitted + overshot) : limit * budget / std::max(real, 1.0);
  }
  return kept.empty() ? std::vector<uint8_t>(windows, static_cast<uint8_t>(nominal)) : kept;
}

}  // namespace bsq

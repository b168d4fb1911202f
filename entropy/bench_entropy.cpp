// bsq_entropy_bench: coding speed (binary decisions per second, one thread) and compression of
// the token coder on synthetic token grids.
//
//   bsq_entropy_bench [rows cols bits frames [prior]]     default: 300 400 32 1 and the latest revision
//
// Grids: "uniform" (random codes: nothing to gain, shows the overhead), "fields" (each bit is the
// sign of its own smooth random field plus noise), "projection" (each token is the sign pattern of
// a random linear map of a smooth 16-dimensional feature field, like a BSQ bottleneck: channels
// correlate with each other as well as in space). Speed is CPU time of this thread, so it stays
// meaningful on a loaded machine; wall time is printed beside it.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "token_coder.h"

namespace {

using bsq::entropy::TokenPlane;

struct Rng {  // splitmix64: fixed seed, same grids everywhere
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() { return std::sqrt(-2 * std::log(uniform() + 1e-300)) * std::cos(6.283185307179586 * uniform()); }
};

// Multi-octave value noise over the token grid (frames drift slowly so video has temporal
// correlation), plus white noise of the given strength.
std::vector<double> smooth_field(Rng& rng, int frames, int rows, int cols, double noise) {
  std::vector<double> v(static_cast<size_t>(frames) * rows * cols, 0.0);
  double amplitude = 1.0;
  for (int spacing = 16; spacing >= 2; spacing /= 2, amplitude *= 0.6) {
    const int gr = rows / spacing + 2, gc = cols / spacing + 2;
    std::vector<double> a(static_cast<size_t>(gr) * gc), b(a.size());
    for (double& x : a) x = rng.normal();
    for (double& x : b) x = rng.normal();
    for (int f = 0; f < frames; ++f) {
      const double t = frames > 1 ? 0.15 * f : 0;  // blend of two lattices: slow temporal change
      const double ct = std::cos(t), st = std::sin(t);
      for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x) {
          const int gy = y / spacing, gx = x / spacing;
          const double fy = double(y % spacing) / spacing, fx = double(x % spacing) / spacing;
          auto at = [&](int yy, int xx) {
            const size_t k = static_cast<size_t>(yy) * gc + xx;
            return ct * a[k] + st * b[k];
          };
          const double top = at(gy, gx) * (1 - fx) + at(gy, gx + 1) * fx;
          const double bottom = at(gy + 1, gx) * (1 - fx) + at(gy + 1, gx + 1) * fx;
          v[(static_cast<size_t>(f) * rows + y) * cols + x] += amplitude * (top * (1 - fy) + bottom * fy);
        }
    }
  }
  for (double& x : v) x += noise * rng.normal();
  return v;
}

TokenPlane make_grid(const std::string& kind, int frames, int rows, int cols, int bits) {
  Rng rng{12345};
  TokenPlane t{frames, rows, cols, bits, std::vector<uint64_t>(static_cast<size_t>(frames) * rows * cols, 0)};
  const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  if (kind == "uniform") {
    for (uint64_t& c : t.codes) c = rng.next() & mask;
  } else if (kind == "fields") {
    for (int i = 0; i < bits; ++i) {
      const std::vector<double> v = smooth_field(rng, frames, rows, cols, 0.3);
      for (size_t k = 0; k < v.size(); ++k) t.codes[k] |= static_cast<uint64_t>(v[k] > 0) << i;
    }
  } else {  // projection
    constexpr int kFeatures = 16;
    std::vector<std::vector<double>> z;
    for (int d = 0; d < kFeatures; ++d) z.push_back(smooth_field(rng, frames, rows, cols, 0.3));
    std::vector<double> w(static_cast<size_t>(bits) * kFeatures);
    for (double& x : w) x = rng.normal();
    for (size_t k = 0; k < t.codes.size(); ++k)
      for (int i = 0; i < bits; ++i) {
        double s = 0;
        for (int d = 0; d < kFeatures; ++d) s += w[static_cast<size_t>(i) * kFeatures + d] * z[d][k];
        t.codes[k] |= static_cast<uint64_t>(s > 0) << i;
      }
  }
  return t;
}

struct Clock {
  timespec cpu{}, wall{};
  static double seconds(const timespec& t) { return t.tv_sec + t.tv_nsec * 1e-9; }
  void start() {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    clock_gettime(CLOCK_MONOTONIC, &wall);
  }
  void stop(double* cpu_s, double* wall_s) const {
    timespec c{}, w{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
    *cpu_s = seconds(c) - seconds(cpu);
    *wall_s = seconds(w) - seconds(wall);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int rows = argc > 1 ? std::atoi(argv[1]) : 300;
  const int cols = argc > 2 ? std::atoi(argv[2]) : 400;
  const int bits = argc > 3 ? std::atoi(argv[3]) : 32;
  const int frames = argc > 4 ? std::atoi(argv[4]) : 1;
  const int prior = argc > 5 ? std::atoi(argv[5]) : bsq::entropy::kLatestPriorRevision;
  std::string error;
  if (!bsq::entropy::is_prior_revision(prior)) {
    std::fprintf(stderr, "bsq_entropy_bench: no prior revision %d\n", prior);
    return 2;
  }
  if (!bsq::entropy::check_token_dims(frames, rows, cols, bits, &error)) {
    std::fprintf(stderr, "bsq_entropy_bench: %s\n", error.c_str());
    return 2;
  }
  std::printf("%d frame(s) x %d x %d tokens, %d bits, prior revision %d: %.2f M decisions per grid\n", frames, rows,
              cols, bits, prior, double(frames) * rows * cols * bits * 1e-6);
  std::printf("%-11s %9s %9s %9s | %-23s | %-23s\n", "grid", "raw", "coded", "ideal", "encode Mdec/s cpu (wall)",
              "decode Mdec/s cpu (wall)");
  int failures = 0;
  for (const char* kind : {"uniform", "fields", "projection"}) {
    TokenPlane grid = make_grid(kind, frames, rows, cols, bits);
    grid.prior = prior;
    const double decisions = double(grid.codes.size()) * bits;
    const double ideal = bsq::entropy::ideal_code_length_bits(grid);
    Clock clock;
    double enc_cpu = 1e30, enc_wall = 1e30, dec_cpu = 1e30, dec_wall = 1e30;
    std::vector<uint8_t> bytes;
    bool same = true;
    for (int rep = 0; rep < 3; ++rep) {  // best of three: the least disturbed run
      double c, w;
      clock.start();
      bytes = bsq::entropy::encode_tokens(grid);
      clock.stop(&c, &w);
      enc_cpu = std::min(enc_cpu, c), enc_wall = std::min(enc_wall, w);
      TokenPlane back;
      clock.start();
      const bool ok =
          bsq::entropy::decode_tokens(bytes.data(), bytes.size(), frames, rows, cols, bits, &back, &error, 0, prior);
      clock.stop(&c, &w);
      dec_cpu = std::min(dec_cpu, c), dec_wall = std::min(dec_wall, w);
      same = same && ok && back.codes == grid.codes;
    }
    if (!same) ++failures;
    std::printf("%-11s %9.0f %9zu %9.0f | %10.1f (%9.1f) | %10.1f (%9.1f)%s\n", kind, decisions / 8, bytes.size(),
                ideal / 8, decisions / enc_cpu * 1e-6, decisions / enc_wall * 1e-6, decisions / dec_cpu * 1e-6,
                decisions / dec_wall * 1e-6, same ? "" : "  ROUND TRIP FAILED");
    std::printf("%-11s bytes: raw, coded, ideal; coded = %.4f bits/decision (%.1f%% of raw)\n", "",
                bytes.size() * 8 / decisions, 100.0 * bytes.size() * 8 / decisions);
  }
  return failures == 0 ? 0 : 1;
}

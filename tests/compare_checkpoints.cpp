// bsq_compare_checkpoints A.pt B.pt TOLERANCE: compares the weights (net.* and ema.*) and the step of
// two bsqtrain checkpoints; prints the largest absolute difference and exits 0 when it is within
// TOLERANCE, 1 when not (or when the tensors or steps differ in shape or number), 2 on bad usage.
// For tests/cli/bsqtrain_distributed.sh: N ranks against one process on the same batches.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool is_weight(const std::string& key) { return key.rfind("net.", 0) == 0 || key.rfind("ema.", 0) == 0; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bsq_compare_checkpoints A.pt B.pt TOLERANCE\n");
    return 2;
  }
  try {
    torch::serialize::InputArchive a, b;
    a.load_from(argv[1]);
    b.load_from(argv[2]);
    const double tolerance = std::atof(argv[3]);
    torch::Tensor step_a, step_b;
    a.read("step", step_a);
    b.read("step", step_b);
    if (step_a.item<int64_t>() != step_b.item<int64_t>()) {
      std::printf("steps differ: %lld and %lld\n", static_cast<long long>(step_a.item<int64_t>()),
                  static_cast<long long>(step_b.item<int64_t>()));
      return 1;
    }
    double worst = 0;
    std::string worst_key;
    int tensors = 0;
    for (const auto& key : a.keys()) {
      if (!is_weight(key)) continue;
      torch::Tensor x, y;
      a.read(key, x);
      if (!b.try_read(key, y) || x.sizes() != y.sizes()) {
        std::printf("%s: missing or of another shape in %s\n", key.c_str(), argv[2]);
        return 1;
      }
      const double d = (x.to(torch::kFloat64) - y.to(torch::kFloat64)).abs().max().item<double>();
      if (d > worst) worst = d, worst_key = key;
      ++tensors;
    }
    std::printf("%d weight tensors at step %lld, max |difference| %.3g%s%s\n", tensors,
                static_cast<long long>(step_a.item<int64_t>()), worst, worst_key.empty() ? "" : " in ",
                worst_key.c_str());
    return tensors > 0 && worst <= tolerance ? 0 : 1;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    std::fprintf(stderr, "bsq_compare_checkpoints: %s\n", what.substr(0, what.find('\n')).c_str());
    return 2;
  }
}

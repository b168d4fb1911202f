// The CPU tensor allocator of model/huge_page_allocator.h: alignment, contents, reuse of a freed
// large block, LibTorch's raw allocation path, and tensors made before it was installed.
#include <c10/core/CPUAllocator.h>
#include <doctest/doctest.h>
#include <torch/torch.h>

#include <cstdint>

#include "model/huge_page_allocator.h"

namespace {

bool aligned64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

}  // namespace

TEST_CASE("huge page allocator: tensors of every size hold their values, 64-byte aligned") {
  const auto before = torch::arange(1000, torch::kFloat32);  // made by whichever allocator was there
  const bool installed = bsq::model::install_huge_page_allocator();
  CHECK(bsq::model::install_huge_page_allocator() == installed);  // idempotent
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1000}, int64_t{1} << 19, (int64_t{3} << 20) + 7}) {
    CAPTURE(n);
    auto t = torch::arange(n, torch::kInt32);
    if (n > 0) {
      CHECK(aligned64(t.data_ptr()));
      CHECK(t[n - 1].item<int32_t>() == n - 1);
      CHECK(t.sum(torch::kInt64).item<int64_t>() == n * (n - 1) / 2);
    }
  }
  CHECK(before.sum().item<float>() == doctest::Approx(999.0 * 1000 / 2));
}

TEST_CASE("huge page allocator: a freed large block is reused by the next allocation it fits") {
  if (!bsq::model::install_huge_page_allocator()) return;  // sanitizer build: LibTorch's own
  // 20 MiB of float32.
  const int64_t n = int64_t{5} << 20;
  const void* first = nullptr;
  {
    auto t = torch::full({n}, 1.5f);
    first = t.data_ptr();
    CHECK(aligned64(first));
  }
  auto again = torch::zeros({n});
  CHECK(again.data_ptr() == first);  // the same pages, not a new mapping
  CHECK(again.abs().max().item<float>() == 0.0f);
  auto other = torch::ones({n});  // the cache is empty now: a block of its own
  CHECK(other.data_ptr() != first);
  CHECK(other.sum().item<double>() == doctest::Approx(static_cast<double>(n)));
}

TEST_CASE("huge page allocator: raw allocations free through the raw deleter") {
  bsq::model::install_huge_page_allocator();
  c10::Allocator* allocator = c10::GetCPUAllocator();
  REQUIRE(static_cast<bool>(allocator->raw_deleter()));
  for (size_t bytes : {size_t{64}, size_t{3} << 20}) {
    void* p = allocator->raw_allocate(bytes);
    REQUIRE(p != nullptr);
    CHECK(aligned64(p));
    static_cast<char*>(p)[bytes - 1] = 7;
    allocator->raw_deallocate(p);
  }
}

// CPU tensor memory in transparent huge pages (see huge_page_allocator.h).
#include "model/huge_page_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace bsq::model {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// Every block starts with this header, so that a data pointer alone frees it (LibTorch's raw
// deleter gets nothing else); its size keeps the data 64-byte aligned, as LibTorch's own
// allocator does.
constexpr size_t kHeader = 64;

struct BlockHeader {
  void* base;
  size_t mapped;  // bytes mapped at base; 0: base came from posix_memalign
};
static_assert(sizeof(BlockHeader) <= kHeader);

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

BlockHeader* header_of(void* data) { return reinterpret_cast<BlockHeader*>(static_cast<char*>(data) - kHeader); }

void unmap(void* base, size_t bytes) {
#if defined(__linux__)
  munmap(base, bytes);
#endif
}

// Freed mappings kept for the next allocation that fits one. Reuse is what saves the time: a new
// mapping faults its pages in again, and unmapping one makes the kernel flush the TLB of every
// thread. A miss first unmaps every kept block, so that the memory in use never exceeds what the
// live tensors would hold without the cache (plus at most 1/8 where a larger block is reused).
class MappingCache {
 public:
  // A kept mapping of at least `bytes` and at most 1/8 more, or {nullptr, 0}.
  BlockHeader take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(bytes);
    if (it != free_.end() && it->first <= bytes + bytes / 8) {
      BlockHeader h{it->second, it->first};
      free_.erase(it);
      return h;
    }
    release_locked();
    return {nullptr, 0};
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_locked();
  }
  void keep(const BlockHeader& h) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.emplace(h.mapped, h.base);
  }

 private:
  void release_locked() {
    for (const auto& [size, base] : free_) unmap(base, size);
    free_.clear();
  }

  std::mutex mutex_;
  std::multimap<size_t, void*> free_;  // mapped bytes -> base
};

MappingCache& mapping_cache() {
  static auto* cache = new MappingCache;  // never destroyed: tensors may be freed at exit
  return *cache;
}

void release(void* data) {
  if (data == nullptr) return;
  const BlockHeader h = *header_of(data);
  if (h.mapped != 0)
    mapping_cache().keep(h);
  else
    std::free(h.base);
}

// A 2 MiB-aligned mapping of `bytes` (a multiple of 2 MiB) advised to use huge pages, or nullptr.
void* map_huge(size_t bytes) {
#if defined(__linux__)
  // Over-map by one huge page, then unmap the unaligned head and tail.
  void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = round_up(reinterpret_cast<uintptr_t>(raw), kHugePage);
  const size_t head = start - reinterpret_cast<uintptr_t>(raw);
  if (head != 0) munmap(raw, head);
  munmap(reinterpret_cast<char*>(start) + bytes, kHugePage - head);
  madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
#else
  (void)bytes;
  return nullptr;
#endif
}

void* acquire(size_t n) {
  if (n == 0) return nullptr;
  BlockHeader h{nullptr, 0};
  if (n >= kHugePage) {
    const size_t bytes = round_up(n + kHeader, kHugePage);
    h = mapping_cache().take(bytes);
    if (h.base == nullptr && (h.base = map_huge(bytes)) != nullptr) h.mapped = bytes;
  }
  if (h.base == nullptr && posix_memalign(&h.base, kHeader, n + kHeader) != 0) h.base = nullptr;
  TORCH_CHECK(h.base != nullptr, "not enough memory: tried to allocate ", n, " bytes");
  *static_cast<BlockHeader*>(h.base) = h;
  return static_cast<char*>(h.base) + kHeader;
}

class HugePageAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    void* data = acquire(n);
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BSQ_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BSQ_ADDRESS_SANITIZER 1
#endif

void release_kept_blocks() { mapping_cache().release(); }

bool install_huge_page_allocator() {
#if defined(BSQ_ADDRESS_SANITIZER)  // tensors stay in malloc'd memory, which the sanitizer checks
  return false;
#else
  static HugePageAllocator allocator;
  static std::once_flag once;
  // Priority 1: above LibTorch's default allocator (0), so that it takes effect.
  std::call_once(once, [] { c10::SetCPUAllocator(&allocator, 1); });
  return c10::GetCPUAllocator() == &allocator;
#endif
}

}  // namespace bsq::model

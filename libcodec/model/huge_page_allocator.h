// LibTorch's CPU tensor memory for the network's large activations: 2 MiB pages, reused.
//
// Why: each large tensor LibTorch allocates is fresh memory (glibc maps a block over its mmap
// threshold and unmaps it when freed), and the first touch of every 4 KiB page of it is a page
// fault. On the virtual machines this project is measured on a fault is costly: converting a
// 67 MB bfloat16 activation to float32 took 354 ms in fresh memory and 6 ms in memory touched
// before. So a block of 2 MiB or more is mapped 2 MiB-aligned and advised MADV_HUGEPAGE (one
// fault brings 2 MiB), and when freed it is kept for the next allocation it fits, so a stripe's
// tensors reuse the previous stripe's pages (bench/profile.md: the network's decode of a 2560x1600
// photo 11.4 -> 4.6 s; bsqdec as a whole 8.0 -> 5.6 s; peak memory no higher). Smaller blocks go
// to the C library as before. Where the kernel offers no huge pages (or off Linux) the advice is
// ignored; address-sanitizer builds keep LibTorch's own allocator, whose memory the sanitizer
// checks.
#pragma once

namespace bsq::model {

// Makes every later CPU tensor allocation of this process use the allocator above (LibTorch has
// one CPU allocator per process). Idempotent and thread-safe; tensors allocated before keep their
// own deleters, so installing it at any time is safe. Returns whether it is in use (false in
// address-sanitizer builds).
bool install_huge_page_allocator();

// Unmaps the freed blocks kept for reuse: for a caller whose next tensors differ from those before
// (the encoder's search after its stripes), so that the kept ones do not wait for a miss.
void release_kept_blocks();

}  // namespace bsq::model

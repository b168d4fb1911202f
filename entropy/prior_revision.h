// Revisions of the bit prior: the same token bits code differently under each, so a stream
// names the revision it was coded with (the container's PRIO chunk, man/bsq.5; none means 1) and
// a decoder must use that one. Encoders use the latest.
#pragma once

namespace bsq::entropy {

// 1: five context tables, counters over a window of 255 bits (container 1.0 to 1.2).
// 2: two more tables, mixer weights chosen by how well the nearest neighbour has matched,
//    counters over 30 bits, an adaptive probability map after the mixer (container 1.3;
//    README.md has what each part gave).
inline constexpr int kFirstPriorRevision = 1;
inline constexpr int kLatestPriorRevision = 2;
constexpr bool is_prior_revision(int r) { return r >= kFirstPriorRevision && r <= kLatestPriorRevision; }

}  // namespace bsq::entropy

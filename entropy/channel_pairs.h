// Which earlier channels of a token say the most about channel i: learned online, per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bsq::entropy {

// BSQ bits are the signs of one linear projection, so channels are correlated with each other
// (the training loss only pushes each bit towards balance, not pairs towards independence), and
// in no particular order: channel 7 may follow channel 2 rather than channel 6. This keeps
// co-occurrence counts of every channel pair and picks, for each channel i, the kPartners earlier
// channels whose agreement with i is furthest from chance. Their bits in the current token are a
// context for bit i. Counts and choices are integers, so both coder sides choose alike.
class ChannelPairs {
 public:
  static constexpr int kPartners = 4;

  explicit ChannelPairs(int bits);

  // The partners' bits in `coded` (the bits of the current token coded so far), 0..15.
  uint32_t context(int i, uint64_t coded) const {
    const uint8_t* p = &partners_[static_cast<size_t>(i) * kPartners];
    return static_cast<uint32_t>(((coded >> p[0]) & 1) | ((coded >> p[1]) & 1) << 1 | ((coded >> p[2]) & 1) << 2 |
                                 ((coded >> p[3]) & 1) << 3);
  }

  // Learns from a finished token. Counts every 4th token and re-chooses every 256: the pair
  // statistics settle long before that matters, and a full count per token would cost as much as
  // coding it.
  void observe(uint64_t code) {
    if ((tokens_++ & 3) == 0) count(code);
    if ((tokens_ & 255) == 0) choose();
  }

 private:
  void count(uint64_t code);
  void choose();

  int bits_;
  uint32_t tokens_ = 0, counted_ = 0;
  std::vector<uint32_t> ones_;  // [i]: tokens with bit i set
  std::vector<uint32_t> both_;  // [i * bits + j], j < i: tokens with bits i and j set
  // [i * kPartners + r]: the r-th partner of channel i; i itself where there is none, because bit i
  // is still 0 in `coded` when bit i is predicted.
  std::vector<uint8_t> partners_;
};

}  // namespace bsq::entropy

// Channel-pair statistics and the choice of each channel's partners.
#include "channel_pairs.h"

namespace bsq::entropy {

ChannelPairs::ChannelPairs(int bits)
    : bits_(bits),
      ones_(static_cast<size_t>(bits), 0),
      both_(static_cast<size_t>(bits) * bits, 0),
      partners_(static_cast<size_t>(bits) * kPartners) {
  // Before any statistics: the channels just before i.
  for (int i = 0; i < bits; ++i)
    for (int r = 0; r < kPartners; ++r)
      partners_[static_cast<size_t>(i) * kPartners + r] = static_cast<uint8_t>(r < i ? i - 1 - r : i);
}

void ChannelPairs::count(uint64_t code) {
  ++counted_;
  // Only pairs of set bits need counting: agreement follows from both_, ones_ and counted_.
  for (uint64_t rest = code; rest != 0; rest &= rest - 1) {
    const int i = __builtin_ctzll(rest);
    ++ones_[i];
    uint32_t* row = &both_[static_cast<size_t>(i) * bits_];
    for (uint64_t lower = code & ((uint64_t{1} << i) - 1); lower != 0; lower &= lower - 1)
      ++row[__builtin_ctzll(lower)];
  }
}

void ChannelPairs::choose() {
  const int64_t n = counted_;
  for (int i = 1; i < bits_; ++i) {
    // |agreements - disagreements| over the counted tokens; ties keep the lower channel.
    int64_t score[kPartners];
    int chosen[kPartners];
    for (int r = 0; r < kPartners; ++r) score[r] = -1, chosen[r] = -1;
    for (int j = 0; j < i; ++j) {
      const int64_t differ = int64_t{ones_[i]} + ones_[j] - 2 * int64_t{both_[static_cast<size_t>(i) * bits_ + j]};
      int64_t s = n - 2 * differ;
      if (s < 0) s = -s;
      for (int r = 0; r < kPartners; ++r) {
        if (s <= score[r]) continue;
        for (int q = kPartners - 1; q > r; --q) score[q] = score[q - 1], chosen[q] = chosen[q - 1];
        score[r] = s, chosen[r] = j;
        break;
      }
    }
    for (int r = 0; r < kPartners; ++r)
      partners_[static_cast<size_t>(i) * kPartners + r] = static_cast<uint8_t>(chosen[r] < 0 ? i : chosen[r]);
  }
}

}  // namespace bsq::entropy

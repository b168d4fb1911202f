// The restoration filter's parameters as a bit string of Exp-Golomb codes (filter_coder.h).
#include "filter_coder.h"

#include <cstdlib>

namespace bsq::entropy {

namespace {

constexpr int kClassBits = 4;       // classes - 1
constexpr int kThresholdOrder = 6;  // Exp-Golomb orders, set by the fields' usual sizes
constexpr int kTapOrder = 2;
constexpr int kGainOrder = 7;
constexpr int kBiasOrder = 3;

class BitWriter {
 public:
  void put(uint32_t value, int bits) {
    for (int b = bits - 1; b >= 0; --b) {
      if (used_ == 0) bytes_.push_back(0);
      bytes_.back() |= static_cast<uint8_t>(((value >> b) & 1) << (7 - used_));
      used_ = (used_ + 1) & 7;
    }
  }
  // Exp-Golomb of order k: v = value + 2^k, of n + k + 1 bits, written after n zero bits.
  void exp_golomb(uint32_t value, int k) {
    const uint64_t v = uint64_t{value} + (uint64_t{1} << k);
    int length = 0;
    while ((v >> (length + 1)) != 0) ++length;  // v has length + 1 bits
    put(0, length - k);
    for (int b = length; b >= 0; --b) put(static_cast<uint32_t>((v >> b) & 1), 1);
  }
  void signed_exp_golomb(int32_t value, int k) {
    exp_golomb(value > 0 ? 2 * static_cast<uint32_t>(value) - 1 : 2 * static_cast<uint32_t>(-value), k);
  }
  size_t bits() const { return bytes_.size() * 8 - (used_ == 0 ? 0 : 8 - used_); }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
  int used_ = 0;  // bits used in the last byte
};

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool get(int bits, uint32_t* value) {
    uint32_t v = 0;
    for (int b = 0; b < bits; ++b) {
      if (position_ >= size_ * 8) return false;
      v = v * 2 + ((data_[position_ / 8] >> (7 - position_ % 8)) & 1);
      ++position_;
    }
    *value = v;
    return true;
  }
  // False when the string ends first or the value would not fit in 31 bits.
  bool exp_golomb(int k, uint32_t* value) {
    int zeros = 0;
    uint32_t bit = 0;
    for (;;) {
      if (!get(1, &bit)) return false;
      if (bit) break;
      if (++zeros + k > 30) return false;
    }
    uint32_t rest = 0;
    if (!get(zeros + k, &rest)) return false;
    *value = ((uint32_t{1} << (zeros + k)) | rest) - (uint32_t{1} << k);
    return true;
  }
  bool signed_exp_golomb(int k, int32_t* value) {
    uint32_t v = 0;
    if (!exp_golomb(k, &v)) return false;
    *value = (v & 1) ? static_cast<int32_t>((v + 1) / 2) : -static_cast<int32_t>(v / 2);
    return true;
  }
  // Whether only zero bits of the last byte are left.
  bool at_end() const {
    if (size_ * 8 - position_ >= 8) return false;
    for (size_t p = position_; p < size_ * 8; ++p)
      if ((data_[p / 8] >> (7 - p % 8)) & 1) return false;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

bool fail(std::string* error, const std::string& what) {
  if (error) *error = "restoration filter: " + what;
  return false;
}

bool check_plane_filter(const PlaneFilter& f, std::string* error) {
  for (const int16_t t : f.taps)
    if (std::abs(t) > kMaxFilterTap) return fail(error, "a tap out of range");
  if (std::abs(f.gain) > kMaxFilterGain) return fail(error, "a gain out of range");
  if (std::abs(f.bias) > kMaxFilterBias) return fail(error, "a bias out of range");
  return true;
}

}  // namespace

bool check_filter(const FilterParams& filter, std::string* error) {
  const size_t classes = filter.thresholds.size() + 1;
  if (classes > kMaxFilterClasses) return fail(error, "more than 16 classes");
  for (size_t i = 0; i < filter.thresholds.size(); ++i)
    if (filter.thresholds[i] > kMaxFilterThreshold || (i > 0 && filter.thresholds[i] <= filter.thresholds[i - 1]))
      return fail(error, "class thresholds not ascending within range");
  if (filter.filters.size() != classes + kFilterChromaPlanes) return fail(error, "wrong number of filters");
  for (const PlaneFilter& f : filter.filters)
    if (!check_plane_filter(f, error)) return false;
  return true;
}

namespace {

void put_thresholds(const std::vector<uint32_t>& thresholds, BitWriter* w) {
  w->put(static_cast<uint32_t>(thresholds.size()), kClassBits);
  uint32_t previous = 0;
  for (size_t i = 0; i < thresholds.size(); ++i) {
    w->exp_golomb(thresholds[i] - previous - (i > 0 ? 1 : 0), kThresholdOrder);
    previous = thresholds[i];
  }
}

void put_filter(const PlaneFilter& f, BitWriter* w) {
  w->put(f.on, 1);
  if (!f.on) return;
  for (const int16_t t : f.taps) w->signed_exp_golomb(t, kTapOrder);
  w->signed_exp_golomb(f.gain, kGainOrder);
  w->signed_exp_golomb(f.bias, kBiasOrder);
}

}  // namespace

std::vector<uint8_t> encode_filter(const FilterParams& filter) {
  if (!check_filter(filter, nullptr)) return {};
  BitWriter w;
  put_thresholds(filter.thresholds, &w);
  for (const PlaneFilter& f : filter.filters) put_filter(f, &w);
  return w.take();
}

int filter_bits(const PlaneFilter& filter) {
  BitWriter w;
  put_filter(filter, &w);
  return static_cast<int>(w.bits());
}

int threshold_bits(const std::vector<uint32_t>& thresholds) {
  BitWriter w;
  put_thresholds(thresholds, &w);
  return static_cast<int>(w.bits());
}

bool decode_filter(const uint8_t* data, size_t size, FilterParams* out, std::string* error) {
  BitReader r(data, size);
  FilterParams f;
  uint32_t count = 0;
  if (!r.get(kClassBits, &count)) return fail(error, "truncated");
  uint32_t previous = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t delta = 0;
    if (!r.exp_golomb(kThresholdOrder, &delta)) return fail(error, "truncated or a threshold out of range");
    const uint64_t t = uint64_t{previous} + delta + (i > 0 ? 1 : 0);
    if (t > kMaxFilterThreshold) return fail(error, "class thresholds not ascending within range");
    f.thresholds.push_back(static_cast<uint32_t>(t));
    previous = static_cast<uint32_t>(t);
  }
  f.filters.resize(count + 1 + kFilterChromaPlanes);
  for (PlaneFilter& p : f.filters) {
    uint32_t on = 0;
    if (!r.get(1, &on)) return fail(error, "truncated");
    p.on = on != 0;
    if (!p.on) continue;
    for (int16_t& t : p.taps) {
      int32_t v = 0;
      if (!r.signed_exp_golomb(kTapOrder, &v) || std::abs(v) > kMaxFilterTap)
        return fail(error, "truncated or a tap out of range");
      t = static_cast<int16_t>(v);
    }
    if (!r.signed_exp_golomb(kGainOrder, &p.gain) || std::abs(p.gain) > kMaxFilterGain)
      return fail(error, "truncated or a gain out of range");
    if (!r.signed_exp_golomb(kBiasOrder, &p.bias) || std::abs(p.bias) > kMaxFilterBias)
      return fail(error, "truncated or a bias out of range");
  }
  if (!r.at_end()) return fail(error, "bits left over after the last filter");
  *out = std::move(f);
  return true;
}

}  // namespace bsq::entropy

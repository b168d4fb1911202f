// GOP coding: the key frame as a still, later frames as repeat flags plus fresh tokens.
#include "gop_coder.h"

#include <algorithm>

#include "frame_traversal.h"

namespace bsq::entropy {

namespace {
uint64_t mask_of(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }
}  // namespace

struct GopEncoder::State {
  int rows, cols, bits;
  size_t tokens;
  BitPrior prior;
  detail::RepeatModel repeats;
  detail::EncodeCoder coder;
  std::vector<uint64_t> previous, current;
  std::vector<uint8_t> flags;
  int revision;
  int frames = 0;
  double last_bits = 0;
  uint64_t repeated = 0, flagged = 0;  // repeat flags set, and coded, in this GOP

  State(int r, int c, int b, int revision)
      : rows(r),
        cols(c),
        bits(b),
        tokens(static_cast<size_t>(r) * c),
        prior(b, revision),
        repeats(tokens),
        revision(revision) {
    coder.measure = true;
  }
};

GopEncoder::GopEncoder(int rows, int cols, int bits, int prior)
    : s_(std::make_unique<State>(rows, cols, bits, prior)) {}
GopEncoder::GopEncoder(GopEncoder&&) noexcept = default;
GopEncoder& GopEncoder::operator=(GopEncoder&&) noexcept = default;
GopEncoder::~GopEncoder() = default;

void GopEncoder::add_frame(const uint64_t* codes, const uint8_t* repeat) {
  State& s = *s_;
  const uint64_t mask = mask_of(s.bits);
  s.current.resize(s.tokens);
  for (size_t i = 0; i < s.tokens; ++i) s.current[i] = codes[i] & mask;
  const double before = s.coder.bits;
  if (s.frames == 0) {
    detail::code_frame(s.coder, s.prior, nullptr, nullptr, s.current.data(), nullptr, s.rows, s.cols, {s.bits});
  } else {
    s.flags.assign(repeat, repeat + s.tokens);
    for (size_t i = 0; i < s.tokens; ++i)
      if (s.flags[i]) s.current[i] = s.previous[i];  // what the decoder will rebuild
    detail::code_frame(s.coder, s.prior, &s.repeats, s.flags.data(), s.current.data(), s.previous.data(), s.rows,
                       s.cols, {s.bits});
    s.repeated += static_cast<uint64_t>(std::count(s.flags.begin(), s.flags.end(), uint8_t{1}));
    s.flagged += s.tokens;
  }
  s.last_bits = s.coder.bits - before;
  s.previous.swap(s.current);
  ++s.frames;
}

std::vector<double> GopEncoder::fresh_token_bits(const uint64_t* codes) const {
  const State& s = *s_;
  const uint64_t mask = mask_of(s.bits);
  std::vector<uint64_t> frame(s.tokens);
  for (size_t i = 0; i < s.tokens; ++i) frame[i] = codes[i] & mask;
  BitPrior prior = s.prior;  // a copy: measuring must not teach the real one
  detail::TokenCostCoder cost;
  cost.per_token.reserve(s.tokens);
  detail::code_frame(cost, prior, nullptr, nullptr, frame.data(), s.frames > 0 ? s.previous.data() : nullptr, s.rows,
                     s.cols, {s.bits});
  return std::move(cost.per_token);
}

double GopEncoder::repeat_flag_bits(bool repeat) const {
  const State& s = *s_;
  // The share so far, with one imaginary flag of each value so that neither costs infinity.
  const double p = (static_cast<double>(s.repeated) + 1) / (static_cast<double>(s.flagged) + 2);
  return -std::log2(repeat ? p : 1 - p);
}

int GopEncoder::frames() const { return s_->frames; }
double GopEncoder::last_frame_bits() const { return s_->last_bits; }

std::vector<uint8_t> GopEncoder::finish() {
  std::vector<uint8_t> bytes = s_->coder.encoder.finish();
  s_ = std::make_unique<State>(s_->rows, s_->cols, s_->bits, s_->revision);
  return bytes;
}

struct GopDecoder::State {
  int rows, cols, bits;
  size_t tokens;
  BitPrior prior;
  detail::RepeatModel repeats;
  detail::DecodeCoder coder;
  std::vector<uint64_t> previous;
  std::vector<uint8_t> flags;
  int frames = 0;

  State(const uint8_t* data, size_t size, int r, int c, int b, int revision)
      : rows(r),
        cols(c),
        bits(b),
        tokens(static_cast<size_t>(r) * c),
        prior(b, revision),
        repeats(tokens),
        coder{RangeDecoder(data, size)},
        flags(tokens, 0) {}
};

GopDecoder::GopDecoder(const uint8_t* data, size_t size, int rows, int cols, int bits, int prior)
    : s_(std::make_unique<State>(data, size, rows, cols, bits, prior)) {}
GopDecoder::GopDecoder(GopDecoder&&) noexcept = default;
GopDecoder& GopDecoder::operator=(GopDecoder&&) noexcept = default;
GopDecoder::~GopDecoder() = default;

bool GopDecoder::next_frame(uint64_t* codes, uint8_t* repeat, std::string* error) {
  State& s = *s_;
  bool ok;
  if (s.frames == 0) {
    std::fill(s.flags.begin(), s.flags.end(), uint8_t{0});
    ok = detail::code_frame(s.coder, s.prior, nullptr, nullptr, codes, nullptr, s.rows, s.cols, {s.bits});
  } else {
    ok = detail::code_frame(s.coder, s.prior, &s.repeats, s.flags.data(), codes, s.previous.data(), s.rows, s.cols,
                            {s.bits});
  }
  if (!ok || s.coder.decoder.overrun()) {
    if (error) *error = "entropy decoder: token stream truncated";
    return false;
  }
  s.previous.assign(codes, codes + s.tokens);
  if (repeat) std::copy(s.flags.begin(), s.flags.end(), repeat);
  ++s.frames;
  return true;
}

bool GopDecoder::finish(std::string* error) {
  const RangeDecoder& d = s_->coder.decoder;
  if (!d.at_end()) {
    if (error) *error = "entropy decoder: token stream has bytes past its end";
    return false;
  }
  if (!d.consistent()) {
    if (error) *error = "entropy decoder: token stream is corrupt";
    return false;
  }
  return true;
}

}  // namespace bsq::entropy

// The .npy writer and its validating reader (format versions 1.0 to 3.0, integer dtypes).
#include "npy_array.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "byte_order.h"
#include "text_cursor.h"

namespace bsq::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kAlignment = 64;  // numpy aligns the data so that it can be memory-mapped

Status invalid(const std::string& what) { return Status(StatusCode::kInvalidData, "not a valid .npy file: " + what); }

// The header dict, parsed as the small subset of Python literals numpy writes.
struct Header {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<uint64_t>> shape;
};

class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : in_{text} {}

  StatusOr<Header> parse() {
    Header h;
    in_.skip(kSpace);
    if (!in_.take('{')) return invalid("header is not a dict");
    for (;;) {
      in_.skip(kSpace);
      if (in_.take('}')) break;
      auto key = string_literal();
      if (!key) return invalid("header key is not a string");
      in_.skip(kSpace);
      if (!in_.take(':')) return invalid(fmt::format("no ':' after '{}' in the header", *key));
      in_.skip(kSpace);
      if (*key == "descr" && !h.descr) {
        h.descr = string_literal();
        if (!h.descr) return invalid("'descr' is not a string");
      } else if (*key == "fortran_order" && !h.fortran_order) {
        h.fortran_order = boolean();
        if (!h.fortran_order) return invalid("'fortran_order' is not True or False");
      } else if (*key == "shape" && !h.shape) {
        h.shape = tuple();
        if (!h.shape) return invalid(fmt::format("'shape' is not a tuple of at most {} sizes", kMaxDims));
      } else {
        return invalid(fmt::format("unexpected or repeated key '{}' in the header", *key));
      }
      in_.skip(kSpace);
      if (in_.take(',')) continue;
      if (in_.take('}')) break;
      return invalid("header dict is malformed");
    }
    in_.skip(kSpace);
    if (!in_.at_end()) return invalid("text after the header dict");
    if (!h.descr || !h.fortran_order || !h.shape) return invalid("header lacks 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  // 'text' or "text", without escapes: keys and dtype strings never need them.
  std::optional<std::string> string_literal() {
    if ((in_.peek() != '\'' && in_.peek() != '"')) return std::nullopt;
    const char quote = in_.next();
    const size_t end = in_.text.find(quote, in_.pos);
    if (end == std::string_view::npos) return std::nullopt;
    std::string s(in_.text.substr(in_.pos, end - in_.pos));
    if (s.find('\\') != std::string::npos) return std::nullopt;
    in_.pos = end + 1;
    return s;
  }
  std::optional<bool> boolean() {
    if (in_.take_word("True")) return true;
    if (in_.take_word("False")) return false;
    return std::nullopt;
  }
  // (), (n,) or (a, b, ...), with an optional trailing comma; each size at most kMaxElements.
  std::optional<std::vector<uint64_t>> tuple() {
    if (!in_.take('(')) return std::nullopt;
    std::vector<uint64_t> dims;
    for (;;) {
      in_.skip(kSpace);
      if (in_.take(')')) return dims;
      if (dims.size() == kMaxDims || in_.peek() < '0' || in_.peek() > '9') return std::nullopt;
      uint64_t n = 0;
      while (in_.peek() >= '0' && in_.peek() <= '9') {
        n = n * 10 + static_cast<uint64_t>(in_.next() - '0');
        if (n > kMaxElements) return std::nullopt;
      }
      dims.push_back(n);
      in_.skip(kSpace);
      if (in_.take(',')) continue;
      if (in_.take(')')) return dims.size() == 1 ? std::nullopt : std::optional(dims);  // (n) is no tuple
      return std::nullopt;
    }
  }

  static constexpr std::string_view kSpace = " \n\t";
  cli::TextCursor in_;
};

struct Dtype {
  size_t bytes = 0;
  bool is_signed = false;
};

StatusOr<Dtype> parse_descr(const std::string& descr) {
  // '<' little-endian, '|' not applicable (one byte); numpy.save never writes '=' (native).
  if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '|') && (descr[1] == 'u' || descr[1] == 'i')) {
    const size_t bytes = static_cast<size_t>(descr[2] - '0');
    if ((bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8) && (descr[0] == '<' || bytes == 1))
      return Dtype{bytes, descr[1] == 'i'};
  }
  if (!descr.empty() && descr[0] == '>')
    return Status(StatusCode::kUnsupported, fmt::format(".npy dtype '{}' is big-endian; save it little-endian", descr));
  return Status(
      StatusCode::kUnsupported,
      fmt::format(".npy dtype '{}' is not an integer type of 1, 2, 4 or 8 bytes (uint64 '<u8' expected)", descr));
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += fmt::format("{}{}", i ? ", " : "", shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::vector<uint8_t> write_u64(const std::vector<uint64_t>& shape, const std::vector<uint64_t>& values) {
  std::string dict = fmt::format("{{'descr': '<u8', 'fortran_order': False, 'shape': {}, }}", shape_text(shape));
  const size_t unpadded = kMagicBytes + 2 + 2 + dict.size() + 1;  // magic, version, length, dict, '\n'
  dict.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  dict += '\n';
  std::vector<uint8_t> out;
  out.reserve(kMagicBytes + 4 + dict.size() + 8 * values.size());
  for (size_t i = 0; i < kMagicBytes; ++i) out.push_back(static_cast<uint8_t>(kMagic[i]));
  for (const size_t byte : {size_t{1}, size_t{0}, dict.size() & 0xff, dict.size() >> 8})  // version 1.0, u16 length
    out.push_back(static_cast<uint8_t>(byte));
  out.insert(out.end(), dict.begin(), dict.end());
  for (const uint64_t v : values) append_le(out, v);
  return out;
}

StatusOr<Array> read(const uint8_t* data, size_t size) {
  if (size < kMagicBytes + 4 || std::memcmp(data, kMagic, kMagicBytes) != 0) return invalid("no \\x93NUMPY magic");
  const uint8_t major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    return Status(StatusCode::kUnsupported,
                  fmt::format(".npy format version {}.{} is not supported (1.0 to 3.0 are)", major, minor));
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicBytes + 2 + length_bytes;
  if (size < prefix) return invalid("truncated before the header");
  const uint64_t header_bytes = load_le_n(data + 8, length_bytes);
  if (header_bytes > kMaxHeaderBytes)
    return invalid(fmt::format("header of {} bytes (at most {})", header_bytes, kMaxHeaderBytes));
  if (size - prefix < header_bytes) return invalid("truncated in the header");
  const std::string_view text(reinterpret_cast<const char*>(data + prefix), header_bytes);
  if (text.empty() || text.back() != '\n') return invalid("header does not end with a newline");

  auto header = HeaderParser(text).parse();
  if (!header.ok()) return header.status();
  auto dtype = parse_descr(*header->descr);
  if (!dtype.ok()) return dtype.status();
  if (*header->fortran_order)
    return Status(StatusCode::kUnsupported,
                  ".npy array is in Fortran order; save it in C order (numpy.ascontiguousarray)");

  Array array;
  array.shape = std::move(*header->shape);
  uint64_t count = 1;
  for (const uint64_t d : array.shape) {
    count *= d;  // each factor <= kMaxElements and the product is checked at every step: no overflow
    if (count > kMaxElements)
      return invalid(fmt::format("shape {} holds more than {} values", shape_text(array.shape), kMaxElements));
  }
  const size_t body = size - prefix - header_bytes;
  if (body != count * dtype->bytes)
    return invalid(fmt::format("shape {} of {}-byte values needs {} data bytes, the file has {}",
                               shape_text(array.shape), dtype->bytes, count * dtype->bytes, body));
  const uint8_t* p = data + prefix + header_bytes;
  array.values.resize(count);
  for (uint64_t i = 0; i < count; ++i, p += dtype->bytes) {
    uint64_t v = load_le_n(p, dtype->bytes);
    if (dtype->is_signed && (v >> (8 * dtype->bytes - 1)) != 0)
      return invalid(fmt::format("the value at index {} is negative", i));
    array.values[i] = v;
  }
  return array;
}

}  // namespace bsq::npy

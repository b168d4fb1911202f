// A strict reader for one flat JSON object (RFC 8259 syntax, scalar values only).
#include "flat_json.h"

#include <fmt/format.h>

#include <limits>
#include <optional>

namespace bsq::cli {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  StatusOr<std::map<std::string, JsonScalar>> object() {
    std::map<std::string, JsonScalar> out;
    skip_space();
    if (!take('{')) return error("expected '{'");
    skip_space();
    if (take('}')) return finish(std::move(out));
    for (;;) {
      skip_space();
      const size_t key_at = pos_;
      std::string key;
      if (!string(&key)) return error_or("expected a string key");
      skip_space();
      if (!take(':')) return error("expected ':'");
      skip_space();
      JsonScalar value;
      if (!scalar(&value)) return error_or("expected a string, an integer, true, false or null");
      if (!out.emplace(std::move(key), std::move(value)).second) return error_at(key_at, "repeated key");
      skip_space();
      if (take(',')) continue;
      if (take('}')) return finish(std::move(out));
      return error("expected ',' or '}'");
    }
  }

 private:
  StatusOr<std::map<std::string, JsonScalar>> finish(std::map<std::string, JsonScalar> out) {
    skip_space();
    if (pos_ != text_.size()) return error("text after the object");
    return out;
  }
  Status error_at(size_t at, const std::string& what) const {
    return Status(StatusCode::kInvalidData, fmt::format("JSON error at byte {}: {}", at, what));
  }
  Status error(const std::string& what) const { return error_at(pos_, what); }
  // A more precise message recorded deeper down wins over the generic one.
  Status error_or(const std::string& what) const { return detail_.empty() ? error(what) : error(detail_); }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Escapes are decoded; \u escapes outside ASCII become '?' (no key or value we read needs them).
  bool string(std::string* out) {
    if (!take('"')) return false;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return fail("control character in a string");
      if (c != '\\') {
        *out += static_cast<char>(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (const size_t i = kFrom.find(e); i != std::string_view::npos) {
        *out += kTo[i];
      } else if (e == 'u' && pos_ + 4 <= text_.size()) {
        unsigned code = 0;
        for (int k = 0; k < 4; ++k) {
          const char h = text_[pos_++];
          const int digit = h >= '0' && h <= '9'   ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
          if (digit < 0) return fail("bad \\u escape");
          code = code * 16 + static_cast<unsigned>(digit);
        }
        *out += code < 0x80 ? static_cast<char>(code) : '?';
      } else {
        return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  bool scalar(JsonScalar* v) {
    using Kind = JsonScalar::Kind;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      v->kind = Kind::kString;
      return string(&v->text);
    }
    for (const bool b : {true, false}) {
      if (take_word(b ? "true" : "false")) {
        v->kind = Kind::kBoolean;
        v->boolean = b;
        return true;
      }
    }
    if (take_word("null")) {
      v->kind = Kind::kNull;
      return true;
    }
    if (pos_ < text_.size() && (text_[pos_] == '{' || text_[pos_] == '['))
      return fail("nested objects and arrays are not allowed");
    v->kind = Kind::kInteger;
    return integer(&v->integer);
  }

  bool integer(int64_t* out) {
    const bool negative = take('-');
    const size_t digits_at = pos_;
    uint64_t n = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text_[pos_++] - '0');
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return fail("integer out of range");
    }
    if (pos_ == digits_at) return false;
    if (text_[digits_at] == '0' && pos_ - digits_at > 1) return fail("leading zero");
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      return fail("only integers are allowed");
    *out = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
    return true;
  }

  bool fail(const char* what) {
    detail_ = what;
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string detail_;
};

}  // namespace

StatusOr<std::map<std::string, JsonScalar>> parse_flat_json(std::string_view text) {
  if (text.size() > kMaxFlatJsonBytes)
    return Status(StatusCode::kInvalidData,
                  fmt::format("JSON of {} bytes (at most {})", text.size(), kMaxFlatJsonBytes));
  return Parser(text).object();
}

}  // namespace bsq::cli

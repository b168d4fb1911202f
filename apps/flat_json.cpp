// A strict reader for one flat JSON object (RFC 8259 syntax, scalar values only).
#include "flat_json.h"

#include <fmt/format.h>

#include <limits>
#include <optional>

#include "text_cursor.h"

namespace bsq::cli {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : in_{text} {}

  StatusOr<std::map<std::string, JsonScalar>> object() {
    std::map<std::string, JsonScalar> out;
    in_.skip(kSpace);
    if (!in_.take('{')) return error("expected '{'");
    in_.skip(kSpace);
    if (in_.take('}')) return finish(std::move(out));
    for (;;) {
      in_.skip(kSpace);
      const size_t key_at = in_.pos;
      std::string key;
      if (!string(&key)) return error_or("expected a string key");
      in_.skip(kSpace);
      if (!in_.take(':')) return error("expected ':'");
      in_.skip(kSpace);
      JsonScalar value;
      if (!scalar(&value)) return error_or("expected a string, an integer, true, false or null");
      if (!out.emplace(std::move(key), std::move(value)).second) return error_at(key_at, "repeated key");
      in_.skip(kSpace);
      if (in_.take(',')) continue;
      if (in_.take('}')) return finish(std::move(out));
      return error("expected ',' or '}'");
    }
  }

 private:
  StatusOr<std::map<std::string, JsonScalar>> finish(std::map<std::string, JsonScalar> out) {
    in_.skip(kSpace);
    if (!in_.at_end()) return error("text after the object");
    return out;
  }
  Status error_at(size_t at, const std::string& what) const {
    return Status(StatusCode::kInvalidData, fmt::format("JSON error at byte {}: {}", at, what));
  }
  Status error(const std::string& what) const { return error_at(in_.pos, what); }
  // A more precise message recorded deeper down wins over the generic one.
  Status error_or(const std::string& what) const { return detail_.empty() ? error(what) : error(detail_); }

  // Escapes are decoded; \u escapes outside ASCII become '?' (no key or value we read needs them).
  bool string(std::string* out) {
    if (!in_.take('"')) return false;
    while (!in_.at_end()) {
      const auto c = static_cast<unsigned char>(in_.next());
      if (c == '"') return true;
      if (c < 0x20) return fail("control character in a string");
      if (c != '\\') {
        *out += static_cast<char>(c);
        continue;
      }
      if (in_.at_end()) break;
      const char e = in_.next();
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (const size_t i = kFrom.find(e); i != std::string_view::npos) {
        *out += kTo[i];
      } else if (e == 'u' && in_.pos + 4 <= in_.text.size()) {
        unsigned code = 0;
        for (int k = 0; k < 4; ++k) {
          const char h = in_.next();
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
    if (in_.peek() == '"') {
      v->kind = Kind::kString;
      return string(&v->text);
    }
    for (const bool b : {true, false}) {
      if (in_.take_word(b ? "true" : "false")) {
        v->kind = Kind::kBoolean;
        v->boolean = b;
        return true;
      }
    }
    if (in_.take_word("null")) {
      v->kind = Kind::kNull;
      return true;
    }
    if ((in_.peek() == '{' || in_.peek() == '[')) return fail("nested objects and arrays are not allowed");
    v->kind = Kind::kInteger;
    return integer(&v->integer);
  }

  bool integer(int64_t* out) {
    const bool negative = in_.take('-');
    const size_t digits_at = in_.pos;
    uint64_t n = 0;
    while (in_.peek() >= '0' && in_.peek() <= '9') {
      n = n * 10 + static_cast<uint64_t>(in_.next() - '0');
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return fail("integer out of range");
    }
    if (in_.pos == digits_at) return false;
    if (in_.text[digits_at] == '0' && in_.pos - digits_at > 1) return fail("leading zero");
    if ((in_.peek() == '.' || in_.peek() == 'e' || in_.peek() == 'E')) return fail("only integers are allowed");
    *out = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
    return true;
  }

  bool fail(const char* what) {
    detail_ = what;
    return false;
  }

  static constexpr std::string_view kSpace = " \t\n\r";
  TextCursor in_;
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

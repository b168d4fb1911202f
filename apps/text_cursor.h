// A read position in a text, for the small hand-written parsers of the token files' formats (the
// .npy header dict, the flat JSON of the sidecar).
#pragma once

#include <cstddef>
#include <string_view>

namespace bsq::cli {

struct TextCursor {
  std::string_view text;
  size_t pos = 0;

  bool at_end() const { return pos >= text.size(); }
  char peek() const { return at_end() ? '\0' : text[pos]; }
  char next() { return text[pos++]; }  // not at_end()
  void skip(std::string_view characters) {
    while (!at_end() && characters.find(text[pos]) != std::string_view::npos) ++pos;
  }
  bool take(char c) {
    if (at_end() || text[pos] != c) return false;
    ++pos;
    return true;
  }
  bool take_word(std::string_view word) {
    if (text.substr(pos, word.size()) != word) return false;
    pos += word.size();
    return true;
  }
};

}  // namespace bsq::cli

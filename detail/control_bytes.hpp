// Control bytes (below 0x20, and DEL) in text from servers, lists and URLs:
// a terminal acts on them, and a header line breaks on them. One definition,
// and one way to show them: \xHH.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace fetchsum::detail {

constexpr bool is_control(char c) noexcept {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

inline bool has_control(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), is_control);
}

/// Appends `c` as \xHH (lower-case hex).
inline void append_hex_escape(std::string& out, char c) {
  static constexpr char digits[] = "0123456789abcdef";
  auto u = static_cast<unsigned char>(c);
  out += "\\x";
  out += digits[u >> 4];
  out += digits[u & 15];
}

} // namespace fetchsum::detail

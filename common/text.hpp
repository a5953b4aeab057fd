#pragma once
// The text helpers every parser shares: trimming and ASCII case-insensitive
// comparison (HTTP header names, media types, encodings, ClickHouse headers).
// ASCII only, on purpose: no locale decides what a header means.
#include <string_view>

namespace tracepipe::common {

/// Spaces, tabs and line ends: what trim() removes.
inline constexpr std::string_view blanks = " \t\r\n";

/// `s` without blanks at either end.
constexpr std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Equal but for the case of ASCII letters.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// `s` starts with `prefix`, but for the case of ASCII letters.
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace tracepipe::common

#pragma once
// Writing a JSONEachRow row in place: `,"column":value` appended to a row the
// caller opened with its first column. Column names are known and need no
// escaping; string values are escaped (common::append_json_string). And the
// entry's numeric fields read back (received_at_us).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_out.hpp"

namespace tracepipe::sink::detail {

/// Appends ,"<name><suffix>": — plain appends: keys are known and need no escaping.
inline void add_key(std::string& out, std::string_view name, std::string_view suffix = {}) {
  // Column names are short: one append of the whole key, not four.
  char key[64];
  std::size_t n = 0;
  key[n++] = ',';
  key[n++] = '"';
  name.copy(key + n, name.size());
  n += name.size();
  suffix.copy(key + n, suffix.size());
  n += suffix.size();
  key[n++] = '"';
  key[n++] = ':';
  out.append(key, n);
}

inline void add_string(std::string& out, std::string_view name, std::string_view value) {
  add_key(out, name);
  common::append_json_string(out, value);
}

inline void append_u64(std::string& out, std::uint64_t value) {
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

inline void add_number(std::string& out, std::string_view name, std::uint64_t value, std::string_view suffix = {}) {
  add_key(out, name, suffix);
  append_u64(out, value);
}

/// A stream entry's decimal field; 0 unless it is all digits (and fits).
inline std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size() ? v : 0;
}

}  // namespace tracepipe::sink::detail

#pragma once
// Small text helpers the loadgen parsers share.
#include <string_view>

namespace tracepipe::loadgen::detail {

/// Without leading spaces and tabs, and trailing spaces, tabs and a CR (a
/// line of a file written on Windows).
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace tracepipe::loadgen::detail

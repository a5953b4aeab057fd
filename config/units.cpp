#include "config/units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace tracepipe::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// Splits "25MiB" into 25 and "mib"; the number may have a fraction.
bool split_number(std::string_view text, double& number, std::string& suffix) {
  text = trim(text);
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc{} || ptr != text.data() + i || !std::isfinite(number) || number < 0) return false;
  suffix = lower(trim(text.substr(i)));
  return true;
}

/// "1.001KB" is 1001 bytes although 1.001 * 1e3 is 1000.999… in binary
/// floating point; "0.5" bytes is no whole number at all.
std::optional<double> whole(double v) {
  double r = std::round(v);
  if (std::fabs(v - r) > 1e-9 * std::max(1.0, r)) return std::nullopt;
  return r;
}

}  // namespace

std::optional<std::size_t> parse_bytes(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "kb") scale = 1e3;
  else if (unit == "mb") scale = 1e6;
  else if (unit == "gb") scale = 1e9;
  else if (unit == "kib" || unit == "k") scale = 1024.0;
  else if (unit == "mib" || unit == "m") scale = 1024.0 * 1024;
  else if (unit == "gib" || unit == "g") scale = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  auto bytes = whole(n * scale);
  if (!bytes || *bytes > 1e15) return std::nullopt;
  return static_cast<std::size_t>(*bytes);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  double ms = 0;
  if (unit == "ms") ms = n;
  else if (unit == "s" || unit.empty()) ms = n * 1e3;
  else if (unit == "m" || unit == "min") ms = n * 60e3;
  else if (unit == "h") ms = n * 3600e3;
  else return std::nullopt;
  auto whole_ms = whole(ms);
  if (!whole_ms || *whole_ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(*whole_ms));
}

std::optional<long long> parse_integer(std::string_view text) {
  text = trim(text);
  long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view text) {
  auto t = lower(trim(text));
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::vector<std::string> parse_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tracepipe::config

#include "config/units.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

namespace tracepipe::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// Splits "25MiB" into 25 and "mib"; the number may have a fraction.
bool split_number(std::string_view text, double& number, std::string& suffix) {
  text = common::trim(text);
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc{} || ptr != text.data() + i || !std::isfinite(number) || number < 0) return false;
  suffix = lower(common::trim(text.substr(i)));
  return true;
}

/// "1.001KB" is 1001 bytes although 1.001 * 1e3 is 1000.999… in binary
/// floating point; "0.5" bytes is no whole number at all.
std::optional<double> whole(double v) {
  double r = std::round(v);
  if (std::fabs(v - r) > 1e-9 * std::max(1.0, r)) return std::nullopt;
  return r;
}

/// Durations are added up exactly, in units of 10^-12 ns: "1.001s" is
/// 1001 ms, and "999999999999ms" too is a whole number of milliseconds.
using fine_ns = unsigned __int128;
/// So twelve fraction digits of each number count; finer ones are dropped.
constexpr std::uint64_t fine_per_ns = 1'000'000'000'000;
constexpr std::uint64_t ns_per_ms = 1'000'000;
/// 100 years of 365.25 days, the longest duration taken.
constexpr fine_ns max_fine = fine_ns{3'155'760'000'000'000'000u} * fine_per_ns;
/// A whole part above this is over 100 years in any unit (10^13 ms is 317).
constexpr std::uint64_t max_whole = 10'000'000'000'000;

/// A decimal number without sign or exponent ("30", "1.5", ".5", "5."):
/// its whole part, and its fraction in units of 10^-12.
bool parse_decimal(std::string_view s, std::uint64_t& whole_part, std::uint64_t& fraction, bool& too_big) {
  whole_part = fraction = 0;
  too_big = false;
  std::size_t i = 0, digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i, ++digits) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    auto next = whole_part * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (next > max_whole) too_big = true;  // and whole_part stays small enough not to overflow below
    else whole_part = next;
  }
  if (i < s.size()) ++i;  // the '.'
  std::uint64_t scale = fine_per_ns;
  for (; i < s.size(); ++i, ++digits) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    scale /= 10;
    fraction += static_cast<std::uint64_t>(s[i] - '0') * scale;
  }
  return digits > 0;
}

/// Nanoseconds per `unit` (ms, s, m, min, h, any case); 0 when unknown.
std::uint64_t ns_per(std::string_view unit) {
  auto u = lower(unit);
  if (u == "ms") return ns_per_ms;
  if (u == "s") return 1'000'000'000;
  if (u == "m" || u == "min") return 60'000'000'000;
  if (u == "h") return 3'600'000'000'000;
  return 0;
}

template <class T>
std::optional<T> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

/// The duration in 10^-12 ns; see parse_duration_ns for the grammar.
std::optional<fine_ns> parse_fine(std::string_view text, std::string* error) {
  const std::string_view given = common::trim(text);
  if (given.empty()) return fail<fine_ns>(error, "empty duration");
  auto rest = given;
  fine_ns total = 0;
  for (int pairs = 0; !rest.empty(); ++pairs) {  // "1m30s" is two number+unit pairs
    std::size_t n = 0;
    while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.')) ++n;
    std::uint64_t whole_part = 0, fraction = 0;
    bool too_big = false;
    if (!parse_decimal(rest.substr(0, n), whole_part, fraction, too_big))
      return fail<fine_ns>(error, fmt::format("duration '{}': expected a number at '{}'", given, rest));
    rest = common::trim(rest.substr(n));
    std::size_t letters = 0;
    while (letters < rest.size() && std::isalpha(static_cast<unsigned char>(rest[letters]))) ++letters;
    auto unit = rest.substr(0, letters);
    std::uint64_t scale = ns_per(unit);
    if (unit.empty() && pairs == 0 && rest.empty())
      scale = ns_per("s");  // "30" alone is seconds
    else if (unit.empty())
      return fail<fine_ns>(error, fmt::format("duration '{}': missing unit (use ms, s, m, h)", given));
    else if (scale == 0)
      return fail<fine_ns>(error, fmt::format("duration '{}': unknown unit '{}' (use ms, s, m, h)", given, unit));
    if (!too_big) total += (fine_ns{whole_part} * fine_per_ns + fraction) * scale;
    if (too_big || total > max_fine)
      return fail<fine_ns>(error, fmt::format("duration '{}': longer than 100 years", given));
    rest = common::trim(rest.substr(letters));
  }
  return total;
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

std::optional<std::chrono::nanoseconds> parse_duration_ns(std::string_view text, std::string* error) {
  auto fine = parse_fine(text, error);
  if (!fine) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>((*fine + fine_per_ns / 2) / fine_per_ns));
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* error) {
  auto fine = parse_fine(text, error);
  if (!fine) return std::nullopt;
  constexpr fine_ns fine_per_ms = fine_ns{ns_per_ms} * fine_per_ns;
  if (*fine % fine_per_ms != 0)
    return fail<std::chrono::milliseconds>(
        error, fmt::format("duration '{}': not a whole number of milliseconds", common::trim(text)));
  auto ms = static_cast<std::int64_t>(*fine / fine_per_ms);
  if (ms > 1'000'000'000'000)
    return fail<std::chrono::milliseconds>(error, fmt::format("duration '{}': more than 10^12 ms", common::trim(text)));
  return std::chrono::milliseconds(ms);
}

std::optional<long long> parse_integer(std::string_view text) {
  text = common::trim(text);
  long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<std::chrono::system_clock::time_point> parse_wall_time(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<std::chrono::system_clock::time_point> {
    if (error) *error = fmt::format("time '{}': {}", text, why);
    return std::nullopt;
  };
  auto t = std::string(common::trim(text));
  // Whole seconds, then the fraction rounded: a double's 1.8e9 s holds only µs.
  auto from_seconds = [](double s) {
    auto whole = std::floor(s);
    return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<long long>(whole))) +
           std::chrono::round<std::chrono::system_clock::duration>(std::chrono::duration<double>(s - whole));
  };
  double seconds = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
  if (ec == std::errc{} && end == t.data() + t.size()) {
    if (!(seconds >= 0 && seconds < 1e11)) return fail("seconds since the epoch must be 0 to 10^11");
    return from_seconds(seconds);
  }
  std::tm tm{};
  int used = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &used) != 6)
    return fail("expected RFC 3339 in UTC such as 2026-12-07T16:00:00Z, or seconds since the epoch");
  std::string_view rest(t.data() + used, t.size() - static_cast<std::size_t>(used));
  double fraction = 0;
  if (!rest.empty() && rest.front() == '.') {
    auto digits = rest.find_first_not_of("0123456789", 1);
    std::string f = "0" + std::string(rest.substr(0, digits));
    fraction = std::strtod(f.c_str(), nullptr);
    rest = digits == std::string_view::npos ? std::string_view{} : rest.substr(digits);
  }
  if (rest != "Z" && rest != "z" && rest != "+00:00") return fail("give the time in UTC, ending in Z");
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return fail("a field is out of range");
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto epoch = timegm(&tm);
  if (epoch < 0) return fail("before 1970");
  return from_seconds(static_cast<double>(epoch)) +
         std::chrono::round<std::chrono::system_clock::duration>(std::chrono::duration<double>(fraction));
}

std::optional<bool> parse_bool(std::string_view text) {
  auto t = lower(common::trim(text));
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::vector<std::string> parse_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = common::trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tracepipe::config

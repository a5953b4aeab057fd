#pragma once
// Parsing of the units config values are written in: sizes ("25MiB", "512KB",
// "1048576"), durations ("30s", "250ms", "5m", "1m30s"), booleans, integers.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::config {

std::optional<std::size_t> parse_bytes(std::string_view text);

/// A duration: one or more number+unit pairs, "250ms", "30s", "5m", "2min",
/// "1h", "1.5s", "1m30s", "2h 30m", "1m30s500ms". Units ms, s, m or min, h,
/// in any case; blanks around and between the parts; numbers are decimal,
/// never signed or with exponents. A lone number without unit is seconds
/// ("30"). The one duration grammar of config keys, scenario files and
/// flags. On failure, `error` (when given) says why, naming the text:
/// "duration '2x': unknown unit 'x' (use ms, s, m, h)".
std::optional<std::chrono::nanoseconds> parse_duration_ns(std::string_view text, std::string* error = nullptr);
/// As parse_duration_ns, for values kept in milliseconds: a whole number of
/// them ("1.5ms" is refused), at most 10^12 (about 31 years).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* error = nullptr);
/// A moment on the wall clock: RFC 3339 in UTC, "2026-12-07T16:00:00Z"
/// (fractions of a second allowed, "+00:00" for Z), or seconds since the
/// epoch ("1796659200", "1796659200.5"). Other offsets are refused rather
/// than guessed. On failure, `error` says why, naming the text.
std::optional<std::chrono::system_clock::time_point> parse_wall_time(std::string_view text,
                                                                     std::string* error = nullptr);
std::optional<long long> parse_integer(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);
/// Comma-separated list; blanks trimmed, empty items dropped.
std::vector<std::string> parse_list(std::string_view text);

}  // namespace tracepipe::config

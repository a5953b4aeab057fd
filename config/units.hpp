#pragma once
// Parsing of the units config values are written in: sizes ("25MiB", "512KB",
// "1048576"), durations ("30s", "250ms", "5m"), booleans, integers.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::config {

std::optional<std::size_t> parse_bytes(std::string_view text);
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::optional<long long> parse_integer(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);
/// Comma-separated list; blanks trimmed, empty items dropped.
std::vector<std::string> parse_list(std::string_view text);

}  // namespace tracepipe::config

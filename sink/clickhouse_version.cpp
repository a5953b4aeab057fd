#include "sink/clickhouse_version.hpp"

#include "common/text.hpp"

#include <charconv>

namespace tracepipe::sink {
namespace {

/// Reads one decimal component at `s`, advancing it; false when there is none.
bool read_number(std::string_view& s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || out < 0) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

}  // namespace

std::optional<clickhouse_version> clickhouse_version::parse(std::string_view text) {
  text = common::trim(text);
  clickhouse_version v;
  v.text = std::string(text);
  std::string_view s = text;
  if (!read_number(s, v.major) || s.empty() || s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!read_number(s, v.minor)) return std::nullopt;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    if (!read_number(s, v.patch)) return std::nullopt;
  }
  // A fourth component (build number) and suffixes like "-stable" are allowed.
  if (!s.empty() && s.front() != '.' && s.front() != '-') return std::nullopt;
  return v;
}

bool clickhouse_version::at_least(int want_major, int want_minor) const {
  return major > want_major || (major == want_major && minor >= want_minor);
}

bool clickhouse_version::has_async_insert() const { return at_least(21, 11); }
bool clickhouse_version::has_insert_deduplication_token() const { return at_least(22, 2); }
bool clickhouse_version::has_async_insert_deduplication_token() const { return at_least(23, 7); }
bool clickhouse_version::has_async_insert_deduplicate() const { return at_least(22, 12); }
bool clickhouse_version::has_zstd_request_bodies() const { return at_least(21, 1); }
bool clickhouse_version::has_now64() const { return at_least(20, 1); }
bool clickhouse_version::has_unix_timestamp64() const { return at_least(20, 5); }

std::string_view clickhouse_version::now_micros_expression() const {
  if (has_now64() && has_unix_timestamp64()) return "toUnixTimestamp64Micro(now64(6))";
  return "toUInt64(now()) * 1000000";
}

}  // namespace tracepipe::sink

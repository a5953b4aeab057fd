#include "common/run_fields.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace tracepipe::common {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> to_us(int y, int mo, int d, int h, int mi, int se, std::int64_t frac_us) {
  using namespace std::chrono;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  auto days = sys_days{ymd}.time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 86400 + h * 3600 + mi * 60 + se) * 1'000'000) + frac_us;
}

// ASCII only, without the locale lookups of <cctype>: ids are on the hot path.
constexpr bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool same_uuid(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// The UTC calendar fields of a time in µs since the epoch (also before 1970),
/// computed with <chrono>'s civil calendar in whole days and µs. Not fmt's
/// time_point formatter: fmt 9 converts any sys_time to system_clock's
/// nanoseconds first, which overflows int64 (UB) past 2262-04-11 and before
/// 1677 — the test's 9999-12-31 (UBSan: signed integer overflow in chrono.h).
struct civil_time {
  int year;
  unsigned month, day;
  long hours, minutes, seconds, micros;
};

civil_time split_us(std::int64_t us) {
  using namespace std::chrono;
  const microseconds t{us};
  const auto day = floor<days>(t);
  const year_month_day ymd{sys_days{day}};
  const hh_mm_ss<microseconds> hms{t - day};
  return {int(ymd.year()),       unsigned(ymd.month()),  unsigned(ymd.day()),         hms.hours().count(),
          hms.minutes().count(), hms.seconds().count(), hms.subseconds().count()};
}

}  // namespace

bool is_uuid(std::string_view s) {
  // Ids are on the hot path (several per run): a table, and no branch per byte.
  static constexpr auto hex = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = hex_digit(static_cast<char>(c));
    return t;
  }();
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  bool all = true;
  for (std::size_t i = 0; i < 36; ++i)
    all &= hex[static_cast<unsigned char>(s[i])] | (i == 8 || i == 13 || i == 18 || i == 23);
  return all;
}

std::string canonical_uuid(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool is_run_type(std::string_view s) {
  static constexpr std::array<std::string_view, 7> types{"llm",       "tool",   "chain", "retriever",
                                                         "embedding", "prompt", "parser"};
  for (auto t : types)
    if (s == t) return true;
  return false;
}

std::optional<std::int64_t> parse_iso8601_us(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos, scale = 100000;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (pos - start < 6) frac_us += (s[pos] - '0') * static_cast<std::int64_t>(scale), scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size()) {
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
      if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + (colon ? 4 : 3), 2, om) || oh > 23 || om > 59)
        return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos += colon ? 6 : 5;
    }
  }
  if (pos != s.size()) return std::nullopt;
  auto us = to_us(y, mo, d, h, mi, se, frac_us);
  if (!us) return std::nullopt;
  return *us - offset_s * 1'000'000;
}

std::optional<std::int64_t> epoch_number_to_us(double v) {
  if (!std::isfinite(v) || v < 0) return std::nullopt;
  // 1e11 s is year 5138, 1e14 ms is year 5138: beyond those the unit is the next one.
  double us = v < 1e11 ? v * 1e6 : v < 1e14 ? v * 1e3 : v;
  if (us >= 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(us);
}

std::optional<std::string> check_dotted_order(std::string_view dotted, std::string_view run_id,
                                              std::string_view trace_id) {
  constexpr std::size_t time_len = 22;  // 20240501T120000123456Z
  std::size_t index = 0;
  std::string_view first_id, last_id;
  while (true) {
    auto dot = dotted.find('.');
    auto seg = dotted.substr(0, dot);
    int y, mo, d, h, mi, se, frac;
    if (seg.size() != time_len + 36 || !digits(seg, 0, 4, y) || !digits(seg, 4, 2, mo) || !digits(seg, 6, 2, d) ||
        seg[8] != 'T' || !digits(seg, 9, 2, h) || !digits(seg, 11, 2, mi) || !digits(seg, 13, 2, se) ||
        !digits(seg, 15, 6, frac) || seg[21] != 'Z' || !to_us(y, mo, d, h, mi, se, frac) ||
        !is_uuid(seg.substr(time_len)))
      return "segment " + std::to_string(index) + " is not <%Y%m%dT%H%M%S%fZ><uuid>";
    if (index == 0) first_id = seg.substr(time_len);
    last_id = seg.substr(time_len);
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
    ++index;
  }
  if (!same_uuid(last_id, run_id)) return "its last segment does not end with the run's id";
  if (!trace_id.empty() && !same_uuid(first_id, trace_id))
    return "its first segment does not end with the trace_id";
  return std::nullopt;
}

std::string iso8601_of_us(std::int64_t us) {
  auto c = split_us(us);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}", c.year, c.month, c.day, c.hours, c.minutes,
                     c.seconds, c.micros);
}

std::string dotted_time(std::int64_t us) {
  auto c = split_us(us);
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}{:06d}Z", c.year, c.month, c.day, c.hours, c.minutes,
                     c.seconds, c.micros);
}

}  // namespace tracepipe::common

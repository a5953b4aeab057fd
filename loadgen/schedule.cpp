#include "loadgen/schedule.hpp"

#include "common/text.hpp"
#include "config/units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

constexpr double ns_per_s = 1e9;
constexpr double max_total_ns = 100 * 365.25 * 86400 * ns_per_s;  // well inside int64 ns (292 years)

/// A whole-text double; from_chars, so no locale and no leading '+'.
bool parse_double(std::string_view text, double& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && ptr == text.data() + text.size();
}

template <typename T>
std::optional<T> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

std::optional<double> parse_rate(std::string_view text, std::string* error) {
  double rate = 0;
  if (!parse_double(text, rate)) return fail<double>(error, fmt::format("rate '{}' is not a number", text));
  if (!std::isfinite(rate)) return fail<double>(error, fmt::format("rate '{}' is not finite", text));
  if (rate < 0) return fail<double>(error, fmt::format("rate '{}' must be >= 0", text));
  if (rate > schedule::max_rate)
    return fail<double>(error, fmt::format("rate '{}' exceeds the maximum {}/s", text, schedule::max_rate));
  return rate;
}

/// The owed-request counts are sums of doubles; one that lands a few ulps
/// off an integer is taken as that integer, so that a request due exactly at
/// a stage boundary is found in the same stage whatever the rounding (it
/// matters before a pause), and total_requests() is not off by one.
double snap(double owed) {
  double whole = std::round(owed);
  return std::fabs(owed - whole) <= 1e-9 + whole * 1e-14 ? whole : owed;
}

}  // namespace

namespace {
std::optional<stage> parse_stage(std::string_view item, std::string* why) {
  std::size_t colon = item.find(':');
  if (colon == std::string_view::npos) return fail<stage>(why, "expected duration:rate");
  auto duration = config::parse_duration_ns(item.substr(0, colon), why);
  if (!duration) return std::nullopt;
  auto rate = parse_rate(common::trim(item.substr(colon + 1)), why);
  if (!rate) return std::nullopt;
  return stage{*duration, *rate};
}
}  // namespace

std::optional<schedule> schedule::parse_stages(std::string_view text, std::string* error) {
  std::vector<stage> stages;
  if (common::trim(text).empty()) return fail<schedule>(error, "no stages (expected e.g. '30s:500,2m:5000,30s:0')");
  for (std::size_t number = 1;; ++number) {
    std::size_t comma = text.find(',');
    std::string_view item = common::trim(text.substr(0, comma));
    std::string why;
    auto parsed = parse_stage(item, &why);
    if (!parsed) return fail<schedule>(error, fmt::format("stage {} '{}': {}", number, item, why));
    stages.push_back(*parsed);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return from_stages(std::move(stages), error);
}

std::optional<schedule> schedule::from_stages(std::vector<stage> stages, std::string* error) {
  if (stages.empty()) return fail<schedule>(error, "no stages");
  double total_ns = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& s = stages[i];
    if (!(s.target >= 0 && s.target <= max_rate)) {  // NaN fails too
      auto why = fmt::format("stage {}: rate {} must be between 0 and {}", i + 1, s.target, max_rate);
      return fail<schedule>(error, std::move(why));
    }
    if (s.duration.count() < 0) return fail<schedule>(error, fmt::format("stage {}: negative duration", i + 1));
    total_ns += static_cast<double>(s.duration.count());
  }
  if (total_ns > max_total_ns) return fail<schedule>(error, "stages last longer than 100 years in total");
  return schedule(stages);
}

schedule schedule::constant(double rate, std::chrono::nanoseconds duration) {
  rate = rate > 0 ? std::min(rate, max_rate) : 0.0;
  auto length = std::clamp(duration, std::chrono::nanoseconds{0}, std::chrono::nanoseconds{std::int64_t(max_total_ns)});
  return schedule({{std::chrono::nanoseconds{0}, rate}, {length, rate}});  // a step to `rate`, then hold it
}

schedule::schedule(const std::vector<stage>& stages) {
  std::int64_t start = 0;
  double rate = 0, owed = 0;
  for (const auto& s : stages) {
    segment seg{start, s.duration.count(), rate, s.target, owed, owed};
    seg.owed_after = snap(owed + static_cast<double>(seg.duration_ns) * (rate + s.target) / (2 * ns_per_s));
    segments_.push_back(seg);
    start += seg.duration_ns;
    rate = s.target;
    owed = seg.owed_after;
  }
  total_ = std::chrono::nanoseconds{start};
  whole_requests_ = total_requests_ = static_cast<std::uint64_t>(std::ceil(owed));
}

schedule schedule::striped(execution_segment s) const {
  schedule out = *this;
  out.share_ = s;
  out.total_requests_ = whole_requests_ > s.index ? (whole_requests_ - s.index + s.count - 1) / s.count : 0;
  return out;
}

std::optional<std::chrono::nanoseconds> schedule::intended(std::uint64_t n) const {
  if (n >= total_requests_) return std::nullopt;
  return intended_whole(share_.index + n * share_.count);
}

std::optional<std::chrono::nanoseconds> schedule::intended_whole(std::uint64_t n) const {
  if (n >= whole_requests_) return std::nullopt;
  // The stage where N(t) passes n: zero-area stages (steps, pauses) are
  // skipped since their owed_after equals their owed_before.
  const auto want = static_cast<double>(n);
  auto seg = std::upper_bound(segments_.begin(), segments_.end(), want,
                              [](double w, const segment& s) { return w < s.owed_after; });
  if (seg == segments_.end()) return total_;  // unreachable: n < ceil(owed_after of the last)
  const double m = std::max(0.0, want - seg->owed_before);  // requests owed into this stage
  const double d = static_cast<double>(seg->duration_ns);
  double tau_ns = 0;
  if (m > 0) {
    // a·τ + (b − a)·τ²/(2d) = m, in the form that is stable for ramps up,
    // down and flat alike: τ = 2m / (a + √(a² + 2(b − a)m/d)).
    const double a = seg->from, b = seg->to;
    const double disc = std::max(0.0, a * a + 2 * (b - a) * m * ns_per_s / d);
    tau_ns = std::min(2 * m * ns_per_s / (a + std::sqrt(disc)), d);
  }
  return std::chrono::nanoseconds{seg->start_ns + std::llround(tau_ns)};
}

double schedule::rate_at(std::chrono::nanoseconds t) const {
  if (t.count() < 0 || t >= total_) return 0;
  // Last stage starting at or before t; zero-length stages come before the
  // stage that shares their start, so they are never the answer.
  auto seg = std::upper_bound(segments_.begin(), segments_.end(), t.count(),
                              [](std::int64_t v, const segment& s) { return v < s.start_ns; });
  --seg;
  double f = static_cast<double>(t.count() - seg->start_ns) / static_cast<double>(seg->duration_ns);
  return (seg->from + (seg->to - seg->from) * f) / share_.count;
}

std::optional<execution_segment> execution_segment::parse(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<execution_segment> {
    if (error) *error = "'" + std::string(text) + "': " + why;
    return std::nullopt;
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail("expected I/N, e.g. 0/4 (the first of four generators)");
  auto number = [](std::string_view part, std::uint32_t& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc{} && end == part.data() + part.size() && !part.empty();
  };
  execution_segment s;
  if (!number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count))
    return fail("I and N must be whole numbers");
  if (s.count < 1 || s.count > 10000) return fail("N must be 1 to 10000");
  if (s.index >= s.count) return fail("I counts from 0, so it must be below N");
  return s;
}

std::string execution_segment::text() const { return std::to_string(index) + "/" + std::to_string(count); }

pacer::pacer(schedule plan, clock::time_point start) : plan_(std::move(plan)), start_(start), next_due_(due_at(0)) {}

std::optional<pacer::clock::time_point> pacer::due_at(std::uint64_t n) const {
  auto t = plan_.intended(n);
  if (!t) return std::nullopt;
  return start_ + std::chrono::ceil<clock::duration>(*t);  // a coarser clock rounds later, never earlier
}

pacer::clock::time_point pacer::intended_time(std::uint64_t n) const {
  return due_at(n).value_or(start_ + std::chrono::ceil<clock::duration>(plan_.total()));
}

std::uint64_t pacer::due_count(clock::time_point now, std::uint64_t limit) const {
  std::uint64_t count = 0;
  for (auto due = next_due_; count < limit && due && *due <= now; due = due_at(next_ + count)) ++count;
  return count;
}

pacer::burst pacer::take_due(clock::time_point now, std::uint64_t limit) {
  burst out{next_, 0};
  for (; out.count < limit && next_due_ && *next_due_ <= now; ++out.count) next_due_ = due_at(++next_);
  return out;
}

std::vector<stage> constant_stages(double runs_per_second, std::chrono::nanoseconds duration) {
  return {{std::chrono::nanoseconds{0}, runs_per_second}, {duration, runs_per_second}};
}

std::optional<std::vector<stage>> parse_stages(std::string_view text, std::string* error) {
  if (!schedule::parse_stages(text, error)) return std::nullopt;  // the checks and messages
  std::vector<stage> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto colon = item.find(':');
    stage s;
    s.duration = *config::parse_duration_ns(item.substr(0, colon));
    auto rate = item.substr(colon + 1);
    std::from_chars(rate.data(), rate.data() + rate.size(), s.target);
    out.push_back(s);
  }
  return out;
}

}  // namespace tracepipe::loadgen

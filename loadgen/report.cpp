#include "loadgen/report.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

constexpr std::string_view latency_metrics[] = {"http_p50", "http_p90", "http_p99", "http_p999", "http_max",
                                                "http_mean"};

bool is_latency(std::string_view m) {
  for (auto l : latency_metrics)
    if (m == l || (m.size() == l.size() + 12 && m.substr(0, l.size()) == l && m.substr(l.size()) == "_uncorrected"))
      return true;
  return false;
}

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

std::string latency_object(const histogram& h) {
  return fmt::format(R"({{"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"p999":{:.3f},"max":{:.3f},"mean":{:.3f},"count":{}}})",
                     ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
                     ms(h.max()), h.mean() / 1000.0, h.count());
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += c;
  }
  return out;
}

/// A finite double as JSON (NaN/inf are not JSON).
std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "null"; }

}  // namespace

std::uint64_t load_result::rejected_total() const {
  std::uint64_t n = 0;
  for (auto [s, c] : rejected) n += c;
  return n;
}

std::uint64_t load_result::rejected_5xx() const {
  std::uint64_t n = 0;
  for (auto [s, c] : rejected)
    if (s >= 500 && s < 600) n += c;
  return n;
}

std::string summary_json(const load_result& r, const std::vector<threshold_outcome>& thresholds) {
  std::string rejected;
  for (auto [s, c] : r.rejected) rejected += fmt::format(R"({}"{}":{})", rejected.empty() ? "" : ",", s, c);
  std::string th;
  for (const auto& o : thresholds)
    th += fmt::format(R"({}{{"threshold":"{}","actual":{},"passed":{}}})", th.empty() ? "" : ",",
                      json_escape(o.t.text), num(o.actual), o.passed ? "true" : "false");
  return fmt::format(
      "{{\n"
      R"(  "duration_s":{},"elapsed_s":{},"runs_per_request":{},)" "\n"
      R"(  "target_rate":{},"achieved_rate":{},)" "\n"
      R"(  "offered":{},"sent":{},"retries":{},"accepted":{},"rejected":{{{}}},"errors":{},"dropped":{},)" "\n"
      R"(  "runs":{{"offered":{},"sent":{},"accepted":{},"operations_accepted":{}}},)" "\n"
      R"(  "http_latency_ms":{{"corrected":{},"uncorrected":{}}},)" "\n"
      R"(  "http_latency_histogram_us":{{"corrected":"{}","uncorrected":"{}"}},)" "\n"
      R"(  "thresholds":[{}])" "\n}}\n",
      num(r.duration_s), num(r.elapsed_s), r.runs_per_request, num(r.target_rate), num(r.achieved_rate), r.offered,
      r.sent, r.retries, r.accepted, rejected, r.errors, r.dropped, r.runs_offered, r.runs_sent, r.runs_accepted,
      r.operations_accepted, latency_object(r.corrected), latency_object(r.uncorrected), r.corrected.to_text(),
      r.uncorrected.to_text(), th);
}

std::string timeseries_csv(const load_result& r) {
  std::string out = "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms\n";
  for (const auto& s : r.timeseries)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{:.3f}\n", s.second, s.offered_runs, s.sent_runs, s.sent,
                       s.accepted, s.rejected_429, s.rejected_5xx, s.rejected_other, s.errors, ms(s.p99_us));
  return out;
}

std::optional<threshold> threshold::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<threshold> {
    if (error) *error = fmt::format("threshold '{}': {}", text, why);
    return std::nullopt;
  };
  std::string compact;
  for (char c : text)
    if (c != ' ') compact += c;
  static constexpr std::string_view ops[] = {"<=", ">=", "==", "!=", "<", ">"};
  std::size_t at = std::string::npos;
  std::string_view op;
  for (auto o : ops) {
    auto p = compact.find(o);
    if (p != std::string::npos && (at == std::string::npos || p < at || (p == at && o.size() > op.size()))) {
      at = p;
      op = o;
    }
  }
  if (at == std::string::npos) return fail("no operator (use < <= > >= == !=)");
  threshold t;
  t.text = std::string(text);
  t.metric = compact.substr(0, at);
  t.op = std::string(op);
  std::string_view rhs = std::string_view(compact).substr(at + op.size());
  load_result probe;
  if (!metric_value(probe, t.metric)) return fail(fmt::format("unknown metric '{}'", t.metric));
  if (rhs.empty()) return fail("no value after the operator");
  auto [end, ec] = std::from_chars(rhs.data(), rhs.data() + rhs.size(), t.value);
  if (ec != std::errc() || !std::isfinite(t.value)) return fail(fmt::format("value '{}' is not a number", rhs));
  std::string_view unit(end, rhs.data() + rhs.size() - end);
  if (is_latency(t.metric)) {
    if (unit == "us") t.value /= 1000;
    else if (unit == "s") t.value *= 1000;
    else if (!unit.empty() && unit != "ms") return fail(fmt::format("unit '{}': use us, ms or s", unit));
  } else if (!unit.empty()) {
    return fail(fmt::format("'{}' takes a plain number, not '{}'", t.metric, unit));
  }
  return t;
}

std::optional<double> metric_value(const load_result& r, std::string_view m) {
  if (is_latency(m)) {
    bool unc = m.ends_with("_uncorrected");
    const auto& h = unc ? r.uncorrected : r.corrected;
    auto base = unc ? m.substr(0, m.size() - 12) : m;
    if (base == "http_p50") return ms(h.quantile(0.5));
    if (base == "http_p90") return ms(h.quantile(0.9));
    if (base == "http_p99") return ms(h.quantile(0.99));
    if (base == "http_p999") return ms(h.quantile(0.999));
    if (base == "http_max") return ms(h.max());
    return h.mean() / 1000.0;
  }
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  if (m == "sent") return d(r.sent);
  if (m == "accepted") return d(r.accepted);
  if (m == "errors") return d(r.errors);
  if (m == "dropped") return d(r.dropped);
  if (m == "retries") return d(r.retries);
  if (m == "rejected") return d(r.rejected_total());
  if (m == "rejected_429") return d(r.rejected.count(429) ? r.rejected.at(429) : 0);
  if (m == "rejected_5xx") return d(r.rejected_5xx());
  if (m == "achieved_rate") return r.achieved_rate;
  if (m == "target_rate") return r.target_rate;
  if (m == "rate_ratio") return r.target_rate > 0 ? r.achieved_rate / r.target_rate : 1.0;
  if (m == "error_ratio")
    return r.offered ? d(r.errors + r.rejected_total() + r.dropped) / d(r.offered) : 0.0;
  return std::nullopt;
}

std::vector<threshold_outcome> evaluate(const std::vector<threshold>& ts, const load_result& r) {
  std::vector<threshold_outcome> out;
  for (const auto& t : ts) {
    double a = metric_value(r, t.metric).value_or(NAN);
    bool ok = t.op == "<"    ? a < t.value
              : t.op == "<=" ? a <= t.value
              : t.op == ">"  ? a > t.value
              : t.op == ">=" ? a >= t.value
              : t.op == "==" ? a == t.value
                             : a != t.value;
    out.push_back({t, a, ok});
  }
  return out;
}

}  // namespace tracepipe::loadgen

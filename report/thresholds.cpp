#include "report/thresholds.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tracepipe::report {

using loadgen::histogram;
using loadgen::load_result;
using loadgen::stack_figures;

namespace {

constexpr std::string_view latency_metrics[] = {"http_p50", "http_p90", "http_p99", "http_p999", "http_max",
                                                "http_mean"};
constexpr std::string_view stack_families[] = {"lag_", "visible_", "read_", "visible_api_"};
constexpr std::string_view stack_quantiles[] = {"p50", "p90", "p99", "max"};

bool is_http_latency(std::string_view m) {
  for (auto l : latency_metrics)
    if (m == l || (m.size() == l.size() + 12 && m.substr(0, l.size()) == l && m.substr(l.size()) == "_uncorrected"))
      return true;
  return false;
}

/// lag_p99, visible_max, read_p99 (the read load's corrected latency),
/// visible_api_p99 (--probe api), …:
/// the family and the quantile name, when m is one.
std::optional<std::pair<std::string_view, std::string_view>> stack_latency(std::string_view m) {
  for (auto f : stack_families)
    for (auto q : stack_quantiles)
      if (m.size() == f.size() + q.size() && m.starts_with(f) && m.ends_with(q)) return std::pair{f, q};
  return std::nullopt;
}

bool is_latency(std::string_view m) { return is_http_latency(m) || stack_latency(m).has_value(); }

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

/// The read load's counts: read_429, read_errors (no answer, or a status
/// other than 200, 404 and 429), read_error_ratio (everything not answered
/// 200/404, dropped included, over the reads offered), read_achieved_rate.
std::optional<double> read_metric(const load_result& r, std::string_view m) {
  static const loadgen::read_figures none;
  const auto& f = r.reads ? *r.reads : none;
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  auto refused = f.rejected.count(429) ? f.rejected.at(429) : 0;
  std::optional<double> v;
  if (m == "read_429") v = d(refused);
  else if (m == "read_errors") v = d(f.errors + f.rejected_total() - refused);
  else if (m == "read_error_ratio") v = f.offered ? d(f.errors + f.rejected_total() + f.dropped) / d(f.offered) : 0.0;
  else if (m == "read_achieved_rate") v = f.achieved_rate;
  if (v && !r.reads) return NAN;  // known, not measured: a threshold on it fails
  return v;
}

}  // namespace

std::optional<threshold> threshold::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<threshold> {
    if (error) *error = fmt::format("threshold '{}': {}", text, why);
    return std::nullopt;
  };
  comparison_scanner s(text);
  threshold t;
  t.text = std::string(text);
  t.metric = std::string(s.name());
  auto op = s.op();
  if (!op) return fail(fmt::format("no operator (use {})", comparison_ops_text));
  t.op = *op;
  load_result probe;
  if (!metric_value(probe, t.metric)) return fail(fmt::format("unknown metric '{}'", t.metric));
  if (s.done()) return fail("no value after the operator");
  auto value = s.number();
  if (!value) return fail(fmt::format("value '{}' is not a number", s.take_rest()));
  t.value = *value;
  std::string_view unit = s.take_rest();
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
  if (auto fq = stack_latency(m)) {
    bool reconciled = r.stack && r.stack->reconciled;
    const histogram* h = fq->first == "lag_"    ? (reconciled ? &r.stack->lag_us : nullptr)
                         : fq->first == "read_" ? (r.reads ? &r.reads->corrected : nullptr)
                         : fq->first == "visible_api_" ? (r.api_probe ? &r.api_probe->visible_us : nullptr)
                                                : (r.stack ? &r.stack->visible_us : nullptr);
    if (!h || h->count() == 0) return NAN;  // known, not measured: a threshold on it fails
    auto q = fq->second;
    return q == "max" ? ms(h->max()) : ms(h->quantile(q == "p50" ? 0.5 : q == "p90" ? 0.9 : 0.99));
  }
  for (auto [name, field] : {std::pair{"lost", &stack_figures::lost}, {"duplicates", &stack_figures::duplicates},
                             {"late", &stack_figures::late}, {"unacknowledged_found", &stack_figures::unacknowledged}})
    if (m == name) return r.stack && r.stack->reconciled ? static_cast<double>((*r.stack).*field) : NAN;
  if (is_http_latency(m)) {
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
  if (m.starts_with("read_")) return read_metric(r, m);
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
    double a = metric_value(r, t.metric).value_or(NAN);  // NaN: not measured in this run, fails
    out.push_back({t, a, holds(a, t.op, t.value)});
  }
  return out;
}

}  // namespace tracepipe::report

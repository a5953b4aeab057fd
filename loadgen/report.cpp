#include "loadgen/report.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

constexpr std::string_view latency_metrics[] = {"http_p50", "http_p90", "http_p99", "http_p999", "http_max",
                                                "http_mean"};
constexpr std::string_view stack_families[] = {"lag_", "visible_"};
constexpr std::string_view stack_quantiles[] = {"p50", "p90", "p99", "max"};

bool is_http_latency(std::string_view m) {
  for (auto l : latency_metrics)
    if (m == l || (m.size() == l.size() + 12 && m.substr(0, l.size()) == l && m.substr(l.size()) == "_uncorrected"))
      return true;
  return false;
}

/// lag_p99, visible_max, …: the family and the quantile name, when m is one.
std::optional<std::pair<std::string_view, std::string_view>> stack_latency(std::string_view m) {
  for (auto f : stack_families)
    for (auto q : stack_quantiles)
      if (m.size() == f.size() + q.size() && m.starts_with(f) && m.ends_with(q)) return std::pair{f, q};
  return std::nullopt;
}

bool is_latency(std::string_view m) { return is_http_latency(m) || stack_latency(m).has_value(); }

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

std::string latency_object(const histogram& h) {
  return fmt::format(R"({{"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"p999":{:.3f},"max":{:.3f},"mean":{:.3f},"count":{}}})",
                     ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
                     ms(h.max()), h.mean() / 1000.0, h.count());
}


/// A finite double as JSON (NaN/inf are not JSON).
std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "null"; }

/// {p50, p90, p99, max, count} in ms, or null when nothing was measured.
std::string percentiles_or_null(const histogram& h, bool measured) {
  if (!measured || h.count() == 0) return "null";
  return fmt::format(R"({{"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"max":{:.3f},"count":{}}})", ms(h.quantile(0.5)),
                     ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.max()), h.count());
}

std::string count_or_null(std::uint64_t v, bool measured) { return measured ? std::to_string(v) : "null"; }
std::string opt_or_null(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "null"; }

/// The keys only --stack can fill; null (not 0) when not measured.
std::string stack_json(const load_result& r) {
  static const stack_figures none;
  bool seen = r.stack.has_value();
  const auto& f = seen ? *r.stack : none;
  bool rec = seen && f.reconciled;
  return fmt::format(
      R"(  "lag_ms":{},"visible_ms":{},)" "\n"
      R"(  "lost":{},"duplicates":{},"late":{},"unacknowledged_found":{},)" "\n"
      R"(  "reconcile":{},)" "\n"
      R"(  "probes":{},)" "\n"
      R"(  "components":{{"queue_depth_max":{},"clickhouse_parts_max":{}}},)" "\n"
      R"(  "observer":{},)" "\n",
      percentiles_or_null(f.lag_us, rec), percentiles_or_null(f.visible_us, seen), count_or_null(f.lost, rec),
      count_or_null(f.duplicates, rec), count_or_null(f.late, rec), count_or_null(f.unacknowledged, rec),
      rec ? fmt::format(R"({{"expected":{},"found":{},"timed_out":{},"waited_s":{},"late_after_ms":{}}})", f.expected,
                        f.found, f.timed_out ? "true" : "false", num(f.waited_s), num(f.late_after_ms))
          : "null",
      seen ? fmt::format(R"({{"sent":{},"not_visible":{}}})", f.probes, f.probes_not_visible) : "null",
      opt_or_null(f.queue_depth_max), opt_or_null(f.clickhouse_parts_max),
      seen ? fmt::format(R"({{"errors":{},"last_error":"{}"}})", f.observer_errors, json_escape(f.error)) : "null");
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += c;
  }
  return out;
}

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
  std::string config;
  for (const auto& [k, v] : r.config) config += fmt::format(R"({}"{}":{})", config.empty() ? "" : ",", k, v);
  std::string phases;
  for (const auto& p : r.phases)
    phases += fmt::format(R"({}{{"name":"{}","start_s":{},"end_s":{}}})", phases.empty() ? "" : ",",
                          json_escape(p.name), num(p.start_s), num(p.end_s));
  if (!phases.empty()) phases = "  \"phases\":[" + phases + "],\n";
  return fmt::format(
      "{{\n"
      R"(  "target":"{}","config":{{{}}},)" "\n"
      R"(  "duration_s":{},"elapsed_s":{},"runs_per_request":{},)" "\n"
      R"(  "target_rate":{},"achieved_rate":{},)" "\n"
      R"(  "offered":{},"sent":{},"retries":{},"accepted":{},"rejected":{{{}}},"errors":{},"dropped":{},)" "\n"
      R"(  "runs":{{"offered":{},"sent":{},"accepted":{},"operations_sent":{},"operations_accepted":{}}},)" "\n"
      R"(  "http_latency_ms":{{"corrected":{},"uncorrected":{}}},)" "\n"
      R"(  "http_latency_histogram_us":{{"corrected":"{}","uncorrected":"{}"}},)" "\n"
      "{}{}"
      R"(  "thresholds":[{}])" "\n}}\n",
      json_escape(r.target), config, num(r.duration_s), num(r.elapsed_s), r.runs_per_request, num(r.target_rate),
      num(r.achieved_rate), r.offered, r.sent, r.retries, r.accepted, rejected, r.errors, r.dropped, r.runs_offered,
      r.runs_sent, r.runs_accepted, r.operations_sent, r.operations_accepted, latency_object(r.corrected), latency_object(r.uncorrected),
      r.corrected.to_text(), r.uncorrected.to_text(), stack_json(r), phases, th);
}

std::string timeseries_csv(const load_result& r) {
  std::string out =
      "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms,accepted_runs,"
      "inserted_runs,lag_p50_ms,lag_p99_ms,visible_p99_ms,queue_depth,clickhouse_parts";
  for (const auto& c : component_columns) out += fmt::format(",{}", c.name);
  out += '\n';
  auto cell = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string(); };
  auto cell_ms = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string(); };
  for (const auto& s : r.timeseries) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{:.3f},{},{},{},{},{},{},{}", s.second, s.offered_runs, s.sent_runs,
                       s.sent, s.accepted, s.rejected_429, s.rejected_5xx, s.rejected_other, s.errors, ms(s.p99_us),
                       s.accepted_runs, cell(s.inserted_runs), cell_ms(s.lag_p50_ms), cell_ms(s.lag_p99_ms),
                       cell_ms(s.visible_p99_ms), cell(s.queue_depth), cell(s.clickhouse_parts));
    for (const auto& c : component_columns) out += "," + cell_ms(s.components.*c.field);
    out += '\n';
  }
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
  if (auto fq = stack_latency(m)) {
    bool reconciled = r.stack && r.stack->reconciled;
    const histogram* h = fq->first == "lag_" ? (reconciled ? &r.stack->lag_us : nullptr)
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
    bool ok = std::isnan(a)  ? false  // not measured in this run
              : t.op == "<"  ? a < t.value
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

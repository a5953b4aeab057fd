#include "report/summary.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tracepipe::report {

using loadgen::component_columns;
using loadgen::histogram;
using loadgen::load_result;
using loadgen::stack_figures;

using loadgen::histogram;

namespace {

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

timeseries_table timeseries_of(const load_result& r) { return parse_timeseries_csv(timeseries_csv(r)); }

report_inputs inputs_of(const load_result& r, const std::vector<threshold_outcome>& thresholds, std::string source) {
  return {std::move(source), parse_summary_json(summary_json(r, thresholds)), timeseries_of(r)};
}

}  // namespace tracepipe::report

#include "report/summary.hpp"

#include <fmt/format.h>

#include "common/json_document.hpp"

namespace tracepipe::report {

using loadgen::component_columns;
using loadgen::histogram;
using loadgen::load_result;
using loadgen::stack_figures;

namespace {

namespace json = boost::json;
using common::json_rounded;

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

/// {p50, p90, p99, p999, max, mean, count} in ms.
json::object latency_object(const histogram& h) {
  return {{"p50", json_rounded(ms(h.quantile(0.5)))}, {"p90", json_rounded(ms(h.quantile(0.9)))},
          {"p99", json_rounded(ms(h.quantile(0.99)))}, {"p999", json_rounded(ms(h.quantile(0.999)))},
          {"max", json_rounded(ms(h.max()))},          {"mean", json_rounded(h.mean() / 1000.0)},
          {"count", h.count()}};
}

/// {p50, p90, p99, max, count} in ms, or null when nothing was measured.
json::value percentiles_or_null(const histogram& h, bool measured) {
  if (!measured || h.count() == 0) return nullptr;
  return json::object{{"p50", json_rounded(ms(h.quantile(0.5)))}, {"p90", json_rounded(ms(h.quantile(0.9)))},
                      {"p99", json_rounded(ms(h.quantile(0.99)))}, {"max", json_rounded(ms(h.max()))},
                      {"count", h.count()}};
}

json::value count_or_null(std::uint64_t v, bool measured) { return measured ? json::value(v) : nullptr; }
json::value opt_or_null(const std::optional<std::uint64_t>& v) { return v ? json::value(*v) : nullptr; }

/// The keys only --stack can fill, added to `doc`; null (not 0) when not measured.
void add_stack(json::object& doc, const load_result& r) {
  static const stack_figures none;
  bool seen = r.stack.has_value();
  const auto& f = seen ? *r.stack : none;
  bool rec = seen && f.reconciled;
  doc["lag_ms"] = percentiles_or_null(f.lag_us, rec);
  doc["visible_ms"] = percentiles_or_null(f.visible_us, seen);
  doc["lost"] = count_or_null(f.lost, rec);
  doc["duplicates"] = count_or_null(f.duplicates, rec);
  doc["late"] = count_or_null(f.late, rec);
  doc["unacknowledged_found"] = count_or_null(f.unacknowledged, rec);
  doc["reconcile"] = rec ? json::value(json::object{{"expected", f.expected},
                                                    {"found", f.found},
                                                    {"timed_out", f.timed_out},
                                                    {"waited_s", json_rounded(f.waited_s)},
                                                    {"late_after_ms", json_rounded(f.late_after_ms)}})
                         : nullptr;
  doc["probes"] = seen ? json::value(json::object{{"sent", f.probes}, {"not_visible", f.probes_not_visible}}) : nullptr;
  // "Visible" above reads a random replica, as a user behind a load balancer;
  // these follow each probe until every replica has it (null: one server).
  bool replicated = seen && f.replicas > 0;
  doc["replicas"] = replicated ? json::value(f.replicas) : nullptr;
  doc["visible_all_replicas_ms"] = percentiles_or_null(f.visible_all_us, replicated);
  doc["replication_lag_ms"] = percentiles_or_null(f.replication_lag_us, replicated);
  doc["probes_not_on_every_replica"] = count_or_null(f.probes_not_on_every_replica, replicated);
  doc["components"] = {{"queue_depth_max", opt_or_null(f.queue_depth_max)},
                       {"clickhouse_parts_max", opt_or_null(f.clickhouse_parts_max)}};
  doc["observer"] = seen ? json::value(json::object{{"errors", f.observer_errors}, {"last_error", f.error}}) : nullptr;
}

/// The counts of the run: requests, then runs and operations.
void add_counts(json::object& doc, const load_result& r) {
  doc["offered"] = r.offered;
  doc["sent"] = r.sent;
  doc["retries"] = r.retries;
  doc["accepted"] = r.accepted;
  json::object rejected;
  for (auto [status, n] : r.rejected) rejected[std::to_string(status)] = n;
  doc["rejected"] = std::move(rejected);
  doc["errors"] = r.errors;
  doc["dropped"] = r.dropped;
  doc["runs"] = {{"offered", r.runs_offered},
                 {"sent", r.runs_sent},
                 {"accepted", r.runs_accepted},
                 {"operations_sent", r.operations_sent},
                 {"operations_accepted", r.operations_accepted}};
}

/// The read load beside the write load (null without one).
json::object reads_of(const loadgen::read_figures& f) {
  json::object rejected, kinds;
  for (auto [status, n] : f.rejected) rejected[std::to_string(status)] = n;
  for (const auto& [kind, n] : f.by_kind) kinds[kind] = n;
  return {{"mix", f.mix},
          {"target_rate", json_rounded(f.target_rate)},
          {"achieved_rate", json_rounded(f.achieved_rate)},
          {"offered", f.offered},
          {"sent", f.sent},
          {"ok", f.ok},
          {"not_found", f.not_found},
          {"rejected", std::move(rejected)},
          {"errors", f.errors},
          {"dropped", f.dropped},
          {"by_kind", std::move(kinds)},
          {"latency_ms", {{"corrected", latency_object(f.corrected)}, {"uncorrected", latency_object(f.uncorrected)}}},
          {"latency_histogram_us", {{"corrected", f.corrected.to_text()}, {"uncorrected", f.uncorrected.to_text()}}}};
}

/// What `tracepipe report merge` needs besides the figures above: which
/// generator this was, its second 0 and every histogram exactly (the
/// percentiles above cannot be merged; these can).
void add_merge_inputs(json::object& doc, const load_result& r) {
  doc["segment"] = r.segment;
  json::array keys;
  for (const auto& a : r.acknowledged) keys.push_back(json::string(fmt::format("{:016x}", a.id_key)));
  doc["id_keys"] = std::move(keys);
  doc["start_wall_us"] = r.start_wall_us;
  json::object h;
  if (r.stack) {
    h["lag"] = r.stack->lag_us.to_text();
    h["visible"] = r.stack->visible_us.to_text();
    h["visible_all_replicas"] = r.stack->visible_all_us.to_text();
    h["replication_lag"] = r.stack->replication_lag_us.to_text();
  }
  if (r.api_probe) h["visible_api"] = r.api_probe->visible_us.to_text();
  doc["histograms_us"] = std::move(h);
}

/// The scenario's phases as the report marks them.
json::array phases_of(const load_result& r) {
  json::array out;
  for (const auto& p : r.phases)
    out.push_back(json::object{{"name", p.name}, {"start_s", json_rounded(p.start_s)}, {"end_s", json_rounded(p.end_s)}});
  return out;
}

/// Each threshold with the figure it was judged on.
json::array thresholds_of(const std::vector<threshold_outcome>& thresholds) {
  json::array out;
  for (const auto& o : thresholds)
    out.push_back(json::object{{"threshold", o.t.text}, {"actual", json_rounded(o.actual)}, {"passed", o.passed}});
  return out;
}

}  // namespace

std::string summary_json(const load_result& r, const std::vector<threshold_outcome>& thresholds) {
  json::object doc;
  doc["target"] = r.target;
  doc["config"] = r.config;
  doc["duration_s"] = json_rounded(r.duration_s);
  doc["elapsed_s"] = json_rounded(r.elapsed_s);
  doc["runs_per_request"] = r.runs_per_request;
  doc["target_rate"] = json_rounded(r.target_rate);
  doc["achieved_rate"] = json_rounded(r.achieved_rate);
  add_counts(doc, r);
  doc["http_latency_ms"] = {{"corrected", latency_object(r.corrected)}, {"uncorrected", latency_object(r.uncorrected)}};
  doc["http_latency_histogram_us"] = {{"corrected", r.corrected.to_text()}, {"uncorrected", r.uncorrected.to_text()}};
  add_stack(doc, r);
  doc["reads"] = r.reads ? json::value(reads_of(*r.reads)) : nullptr;
  // Visibility as a user sees it (--probe api): sent → GET /runs/{id} had it.
  doc["visible_api_ms"] = percentiles_or_null(r.api_probe ? r.api_probe->visible_us : loadgen::histogram(), r.api_probe.has_value());
  doc["api_probes"] = r.api_probe ? json::value(json::object{{"sent", r.api_probe->probes},
                                                             {"not_visible", r.api_probe->not_visible},
                                                             {"failed_polls", r.api_probe->errors}})
                                  : nullptr;
  if (!r.phases.empty()) doc["phases"] = phases_of(r);
  add_merge_inputs(doc, r);
  doc["thresholds"] = thresholds_of(thresholds);
  return common::json_document(doc);
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

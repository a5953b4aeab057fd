#include "report/saved_run.hpp"

#include <cmath>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "loadgen/component_figures.hpp"
#include "report/acknowledged_file.hpp"
#include "report/report_files.hpp"

namespace tracepipe::report {

namespace json = boost::json;
using loadgen::histogram;
using loadgen::load_result;

namespace {

/// summary.json's members, read with the file's name in every error.
class summary_reader {
 public:
  summary_reader(const std::filesystem::path& file) : file_(file.string()) {
    json::value doc;
    try {
      doc = json::parse(read_text_file(file));
    } catch (const std::system_error& e) {
      throw report_file_error(fmt::format("{}: not valid JSON: {}", file_, e.what()));
    }
    if (!doc.is_object()) throw report_file_error(fmt::format("{}: not a JSON object", file_));
    root_ = std::move(doc.as_object());
  }

  const json::object& root() const { return root_; }

  /// The member at a dotted path; null when absent.
  const json::value* find(std::string_view path) const {
    const json::object* at = &root_;
    for (;;) {
      auto dot = path.find('.');
      auto it = at->find(path.substr(0, dot));
      if (it == at->end()) return nullptr;
      if (dot == std::string_view::npos) return it->value().is_null() ? nullptr : &it->value();
      if (!it->value().is_object()) return nullptr;
      at = &it->value().as_object();
      path = path.substr(dot + 1);
    }
  }
  bool has(std::string_view path) const { return find(path) != nullptr; }

  double number(std::string_view path) const {
    const auto* v = find(path);
    if (!v || !v->is_number()) fail(path, "missing or not a number");
    return v->to_number<double>();
  }
  std::uint64_t count(std::string_view path) const {
    double d = number(path);
    if (!(d >= 0) || d != std::floor(d)) fail(path, "not a count");
    return static_cast<std::uint64_t>(d);
  }
  std::string text(std::string_view path) const {
    const auto* v = find(path);
    if (!v || !v->is_string()) fail(path, "missing or not a string");
    return std::string(v->as_string());
  }
  histogram hist(std::string_view path) const {
    std::string why;
    auto h = histogram::from_text(text(path), &why);
    if (!h) fail(path, why);
    return std::move(*h);
  }
  /// {"429": n, …} as status → count.
  std::map<unsigned, std::uint64_t> statuses(std::string_view path) const {
    std::map<unsigned, std::uint64_t> out;
    if (const auto* v = find(path); v && v->is_object())
      for (const auto& [status, n] : v->as_object())
        out[static_cast<unsigned>(std::stoul(std::string(status)))] = n.to_number<std::uint64_t>();
    return out;
  }

  [[noreturn]] void fail(std::string_view path, std::string_view why) const {
    throw report_file_error(fmt::format("{}: \"{}\": {}", file_, path, why));
  }

 private:
  std::string file_;
  json::object root_;
};

void read_counts(const summary_reader& s, load_result& r) {
  r.target = s.text("target");
  if (const auto* c = s.find("config"); c && c->is_object()) r.config = c->as_object();
  r.duration_s = s.number("duration_s");
  r.elapsed_s = s.number("elapsed_s");
  r.runs_per_request = static_cast<int>(s.count("runs_per_request"));
  r.target_rate = s.number("target_rate");
  r.achieved_rate = s.number("achieved_rate");
  r.offered = s.count("offered");
  r.sent = s.count("sent");
  r.retries = s.count("retries");
  r.accepted = s.count("accepted");
  r.rejected = s.statuses("rejected");
  r.errors = s.count("errors");
  r.dropped = s.count("dropped");
  r.runs_offered = s.count("runs.offered");
  r.runs_sent = s.count("runs.sent");
  r.runs_accepted = s.count("runs.accepted");
  r.operations_sent = s.count("runs.operations_sent");
  r.operations_accepted = s.count("runs.operations_accepted");
  r.corrected = s.hist("http_latency_histogram_us.corrected");
  r.uncorrected = s.hist("http_latency_histogram_us.uncorrected");
}

void read_stack(const summary_reader& s, load_result& r) {
  if (!s.has("probes")) return;  // written without --stack
  auto& f = r.stack.emplace();
  f.probes = s.count("probes.sent");
  f.probes_not_visible = s.count("probes.not_visible");
  f.visible_us = s.hist("histograms_us.visible");
  if (s.has("reconcile")) {
    f.reconciled = true;
    f.expected = s.count("reconcile.expected");
    f.found = s.count("reconcile.found");
    const auto* timed_out = s.find("reconcile.timed_out");
    f.timed_out = timed_out && timed_out->is_bool() && timed_out->as_bool();
    f.waited_s = s.number("reconcile.waited_s");
    f.late_after_ms = s.number("reconcile.late_after_ms");
    f.lost = s.count("lost");
    f.duplicates = s.count("duplicates");
    f.late = s.count("late");
    f.unacknowledged = s.count("unacknowledged_found");
    f.lag_us = s.hist("histograms_us.lag");
  }
  if (s.has("replicas")) {
    f.replicas = s.count("replicas");
    f.visible_all_us = s.hist("histograms_us.visible_all_replicas");
    f.replication_lag_us = s.hist("histograms_us.replication_lag");
    f.probes_not_on_every_replica = s.count("probes_not_on_every_replica");
  }
  if (s.has("components.queue_depth_max")) f.queue_depth_max = s.count("components.queue_depth_max");
  if (s.has("components.clickhouse_parts_max")) f.clickhouse_parts_max = s.count("components.clickhouse_parts_max");
  f.observer_errors = s.count("observer.errors");
  f.error = s.text("observer.last_error");
}

void read_reads(const summary_reader& s, load_result& r) {
  if (!s.has("reads")) return;
  auto& f = r.reads.emplace();
  f.mix = s.text("reads.mix");
  f.target_rate = s.number("reads.target_rate");
  f.achieved_rate = s.number("reads.achieved_rate");
  f.offered = s.count("reads.offered");
  f.sent = s.count("reads.sent");
  f.ok = s.count("reads.ok");
  f.not_found = s.count("reads.not_found");
  f.rejected = s.statuses("reads.rejected");
  f.errors = s.count("reads.errors");
  f.dropped = s.count("reads.dropped");
  if (const auto* kinds = s.find("reads.by_kind"); kinds && kinds->is_object())
    for (const auto& [kind, n] : kinds->as_object()) f.by_kind[std::string(kind)] = n.to_number<std::uint64_t>();
  f.corrected = s.hist("reads.latency_histogram_us.corrected");
  f.uncorrected = s.hist("reads.latency_histogram_us.uncorrected");
}

void read_api_probe(const summary_reader& s, load_result& r) {
  if (!s.has("api_probes")) return;
  auto& a = r.api_probe.emplace();
  a.probes = s.count("api_probes.sent");
  a.not_visible = s.count("api_probes.not_visible");
  a.errors = s.count("api_probes.failed_polls");
  a.visible_us = s.hist("histograms_us.visible_api");
}

void read_phases(const summary_reader& s, load_result& r) {
  const auto* phases = s.find("phases");
  if (!phases || !phases->is_array()) return;
  for (const auto& p : phases->as_array()) {
    if (!p.is_object()) continue;
    const auto& o = p.as_object();
    loadgen::run_phase phase;
    if (const auto* n = o.if_contains("name"); n && n->is_string()) phase.name = std::string(n->as_string());
    if (const auto* v = o.if_contains("start_s"); v && v->is_number()) phase.start_s = v->to_number<double>();
    if (const auto* v = o.if_contains("end_s"); v && v->is_number()) phase.end_s = v->to_number<double>();
    r.phases.push_back(std::move(phase));
  }
}

/// timeseries.csv's rows as the load wrote them (cells are exact: counts
/// whole, ms with the µs the writer kept).
std::vector<loadgen::second_row> rows_of(const timeseries_table& t) {
  std::vector<loadgen::second_row> rows(t.rows);
  auto each = [&](std::string_view name, auto set) {
    auto column = t.column(name);
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (column[i]) set(rows[i], *column[i]);
  };
  auto whole = [](double v) { return static_cast<std::uint64_t>(std::llround(v)); };
  each("second", [&](auto& row, double v) { row.second = whole(v); });
  each("offered_runs", [&](auto& row, double v) { row.offered_runs = whole(v); });
  each("sent_runs", [&](auto& row, double v) { row.sent_runs = whole(v); });
  each("sent", [&](auto& row, double v) { row.sent = whole(v); });
  each("accepted", [&](auto& row, double v) { row.accepted = whole(v); });
  each("429", [&](auto& row, double v) { row.rejected_429 = whole(v); });
  each("5xx", [&](auto& row, double v) { row.rejected_5xx = whole(v); });
  each("other_rejected", [&](auto& row, double v) { row.rejected_other = whole(v); });
  each("errors", [&](auto& row, double v) { row.errors = whole(v); });
  each("p99_ms", [&](auto& row, double v) { row.p99_us = whole(v * 1000); });
  each("accepted_runs", [&](auto& row, double v) { row.accepted_runs = whole(v); });
  each("inserted_runs", [&](auto& row, double v) { row.inserted_runs = whole(v); });
  each("lag_p50_ms", [&](auto& row, double v) { row.lag_p50_ms = v; });
  each("lag_p99_ms", [&](auto& row, double v) { row.lag_p99_ms = v; });
  each("visible_p99_ms", [&](auto& row, double v) { row.visible_p99_ms = v; });
  each("queue_depth", [&](auto& row, double v) { row.queue_depth = whole(v); });
  each("clickhouse_parts", [&](auto& row, double v) { row.clickhouse_parts = whole(v); });
  for (const auto& c : loadgen::component_columns)
    each(c.name, [&](auto& row, double v) { row.components.*c.field = v; });
  return rows;
}

}  // namespace

load_result read_saved_run(const std::filesystem::path& dir) {
  auto summary_file = dir / "summary.json";
  summary_reader s(summary_file);
  if (!s.has("start_wall_us") || !s.has("id_keys"))
    throw report_file_error(fmt::format(
        "{}: has no start_wall_us or id_keys: written by a tracepipe before `report merge` existed; run the load again",
        summary_file.string()));
  load_result r;
  read_counts(s, r);
  r.segment = s.text("segment");
  r.start_wall_us = s.count("start_wall_us");
  read_stack(s, r);
  read_reads(s, r);
  read_api_probe(s, r);
  read_phases(s, r);
  auto csv = dir / "timeseries.csv";
  r.timeseries = rows_of(parse_timeseries_csv(read_text_file(csv), csv.string()));
  auto ops = dir / "acknowledged_ops.txt";
  r.acknowledged = parse_acknowledged_ops(read_text_file(ops), ops.string());
  std::string keys, said;
  for (const auto& a : r.acknowledged) keys += fmt::format("{:016x},", a.id_key);
  const auto* listed = s.find("id_keys");
  if (!listed->is_array()) s.fail("id_keys", "not an array");
  for (const auto& k : listed->as_array())
    if (k.is_string()) said += std::string(k.as_string()) + ",";
  if (keys != said)
    throw report_file_error(fmt::format("{}: its keys are not summary.json's id_keys: files of two runs", ops.string()));
  return r;
}

}  // namespace tracepipe::report

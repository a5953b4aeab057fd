#include "observe/stack_figures.hpp"

#include <algorithm>
#include <map>

namespace tracepipe::observe {

using loadgen::load_result;
using loadgen::second_row;
using loadgen::stack_figures;

namespace {

/// The row of second s, adding empty rows up to it.
second_row& row_at(load_result& r, std::uint64_t s) {
  while (r.timeseries.empty() || r.timeseries.back().second < s) {
    second_row next;
    next.second = r.timeseries.empty() ? 1 : r.timeseries.back().second + 1;
    r.timeseries.push_back(next);
  }
  auto it = std::lower_bound(r.timeseries.begin(), r.timeseries.end(), s,
                             [](const second_row& row, std::uint64_t v) { return row.second < v; });
  return *it;
}

double p99_ms(std::vector<std::uint64_t>& us) {
  auto i = static_cast<std::size_t>(0.99 * static_cast<double>(us.size() - 1));
  std::nth_element(us.begin(), us.begin() + static_cast<std::ptrdiff_t>(i), us.end());
  return static_cast<double>(us[i]) / 1000.0;
}

}  // namespace

void attach_stack_figures(load_result& r, const observer& watch, const reconcile_result* rec,
                          const reconcile_options& options) {
  stack_figures f;
  for (const auto& s : watch.samples()) {
    auto& row = row_at(r, s.second);
    row.queue_depth = s.queue_depth;
    row.clickhouse_parts = s.clickhouse_parts;
    row.components = s.components;
    if (s.queue_depth) f.queue_depth_max = std::max(f.queue_depth_max.value_or(0), *s.queue_depth);
    if (s.clickhouse_parts) f.clickhouse_parts_max = std::max(f.clickhouse_parts_max.value_or(0), *s.clickhouse_parts);
    if (s.recent_lag_p99_ms) row.lag_p99_ms = s.recent_lag_p99_ms;  // replaced below when reconciled
  }
  std::map<std::uint64_t, std::vector<std::uint64_t>> visible_by_second;
  for (const auto& p : watch.probes()) {
    f.visible_us.record(p.visible_us);
    visible_by_second[p.second].push_back(p.visible_us);
  }
  for (auto& [second, us] : visible_by_second) row_at(r, second).visible_p99_ms = p99_ms(us);
  f.replicas = watch.replica_count();
  for (const auto& p : watch.on_every_replica()) {
    f.visible_all_us.record(p.all_us);
    f.replication_lag_us.record(p.lag_us);
  }
  f.probes_not_on_every_replica = watch.probes_not_on_every_replica();
  f.probes = watch.probes_sent();
  f.probes_not_visible = watch.probes_not_visible();
  f.observer_errors = watch.errors();
  f.error = watch.last_error();
  f.late_after_ms = static_cast<double>(options.late_after.count());
  r.stack = std::move(f);
  if (rec) attach_reconcile(r, *rec);
}

void attach_reconcile(load_result& r, const reconcile_result& rec) {
  if (!r.stack) r.stack.emplace();
  auto& f = *r.stack;
  f.reconciled = true;
  f.expected = rec.expected;
  f.found = rec.found;
  f.lost = rec.lost;
  f.duplicates = rec.duplicates;
  f.late = rec.late;
  f.unacknowledged = rec.unacknowledged;
  f.timed_out = rec.timed_out;
  f.waited_s = rec.waited_s;
  f.lag_us = rec.lag_us;
  if (!rec.error.empty()) f.error = rec.error;
  for (auto& row : r.timeseries) {
    row.lag_p50_ms = row.lag_p99_ms = std::nullopt;  // the live ones were estimates
    row.inserted_runs = std::nullopt;
  }
  for (const auto& s : rec.per_second) {
    auto& row = row_at(r, s.second);
    row.inserted_runs = s.runs;
    row.lag_p50_ms = s.lag_p50_ms;
    row.lag_p99_ms = s.lag_p99_ms;
  }
  for (auto& row : r.timeseries)
    if (!row.inserted_runs) row.inserted_runs = 0;  // reconciled: a second with nothing inserted is a 0
}

}  // namespace tracepipe::observe

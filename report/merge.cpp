#include "report/merge.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "loadgen/component_figures.hpp"
#include "loadgen/schedule.hpp"

namespace tracepipe::report {

using loadgen::component_figures;
using loadgen::load_result;
using loadgen::second_row;

namespace {

template <typename T>
void add(std::optional<T>& into, const std::optional<T>& v) {
  if (v) into = into.value_or(T{}) + *v;
}
template <typename T>
void highest(std::optional<T>& into, const std::optional<T>& v) {
  if (v) into = std::max(into.value_or(*v), *v);
}

/// Component columns each generator counted of its own load (its reads);
/// the rest are samples of the one stack every generator watched.
bool own_load_column(std::optional<double> component_figures::*field) {
  return field == &component_figures::read_sent || field == &component_figures::read_ok ||
         field == &component_figures::read_429 || field == &component_figures::read_failed;
}

void merge_row(second_row& into, const second_row& s) {
  into.offered_runs += s.offered_runs;
  into.sent_runs += s.sent_runs;
  into.sent += s.sent;
  into.accepted += s.accepted;
  into.rejected_429 += s.rejected_429;
  into.rejected_5xx += s.rejected_5xx;
  into.rejected_other += s.rejected_other;
  into.errors += s.errors;
  into.accepted_runs += s.accepted_runs;
  into.p99_us = std::max(into.p99_us, s.p99_us);
  add(into.inserted_runs, s.inserted_runs);
  highest(into.lag_p50_ms, s.lag_p50_ms);
  highest(into.lag_p99_ms, s.lag_p99_ms);
  highest(into.visible_p99_ms, s.visible_p99_ms);
  highest(into.queue_depth, s.queue_depth);
  highest(into.clickhouse_parts, s.clickhouse_parts);
  for (const auto& c : loadgen::component_columns) {
    if (own_load_column(c.field)) add(into.components.*c.field, s.components.*c.field);
    else highest(into.components.*c.field, s.components.*c.field);
  }
}

void merge_stack(std::optional<loadgen::stack_figures>& into, const loadgen::stack_figures& f) {
  if (!into) {
    into = f;
    return;
  }
  auto& m = *into;
  m.reconciled = m.reconciled && f.reconciled;
  m.expected += f.expected;
  m.found += f.found;
  m.lost += f.lost;
  m.duplicates += f.duplicates;
  m.late += f.late;
  m.unacknowledged += f.unacknowledged;
  m.timed_out = m.timed_out || f.timed_out;
  m.waited_s = std::max(m.waited_s, f.waited_s);
  m.lag_us.merge(f.lag_us);
  m.visible_us.merge(f.visible_us);
  m.probes += f.probes;
  m.probes_not_visible += f.probes_not_visible;
  m.replicas = std::max(m.replicas, f.replicas);
  m.visible_all_us.merge(f.visible_all_us);
  m.replication_lag_us.merge(f.replication_lag_us);
  m.probes_not_on_every_replica += f.probes_not_on_every_replica;
  highest(m.queue_depth_max, f.queue_depth_max);
  highest(m.clickhouse_parts_max, f.clickhouse_parts_max);
  m.observer_errors += f.observer_errors;
  if (!f.error.empty()) m.error = f.error;
}

void merge_reads(std::optional<loadgen::read_figures>& into, const loadgen::read_figures& f) {
  if (!into) {
    into = f;
    return;
  }
  auto& m = *into;
  m.target_rate += f.target_rate;
  m.achieved_rate += f.achieved_rate;
  m.offered += f.offered;
  m.sent += f.sent;
  m.dropped += f.dropped;
  m.ok += f.ok;
  m.not_found += f.not_found;
  m.errors += f.errors;
  for (auto [status, n] : f.rejected) m.rejected[status] += n;
  for (const auto& [kind, n] : f.by_kind) m.by_kind[kind] += n;
  m.corrected.merge(f.corrected);
  m.uncorrected.merge(f.uncorrected);
}

void merge_api_probe(std::optional<loadgen::api_visibility>& into, const loadgen::api_visibility& a) {
  if (!into) {
    into = a;
    return;
  }
  into->visible_us.merge(a.visible_us);
  into->probes += a.probes;
  into->not_visible += a.not_visible;
  into->errors += a.errors;
}

/// The runs' segments, checked to be shares of one split; a note when some
/// share is missing (the merge then covers less than the whole schedule).
std::string check_segments(const std::vector<generator_run>& runs, std::vector<std::string>& notes) {
  std::set<std::uint32_t> indices;
  std::uint32_t count = 0;
  std::string joined;
  for (const auto& g : runs) {
    joined += (joined.empty() ? "" : "+") + g.result.segment;
    // A merged run's segment is a list; each of its parts is checked the same way.
    std::string_view rest = g.result.segment;
    while (!rest.empty()) {
      auto plus = rest.find('+');
      auto one = rest.substr(0, plus);
      rest = plus == std::string_view::npos ? std::string_view{} : rest.substr(plus + 1);
      std::string why;
      auto s = loadgen::execution_segment::parse(one, &why);
      if (!s) throw std::invalid_argument(fmt::format("{}: segment {}", g.dir, why));
      if (s->whole()) continue;  // an independent generator: nothing to check
      if (count != 0 && s->count != count)
        throw std::invalid_argument(
            fmt::format("{}: segment {} is not a share of the others' split into {}", g.dir, s->text(), count));
      count = s->count;
      if (!indices.insert(s->index).second)
        throw std::invalid_argument(fmt::format("{}: segment {} is given twice", g.dir, s->text()));
    }
  }
  if (count != 0 && indices.size() != count)
    notes.push_back(fmt::format("{} of {} segments merged: the merged rate is {} of the schedule's", indices.size(),
                                count, fmt::format("{}/{}", indices.size(), count)));
  return joined;
}

}  // namespace

merged_run merge_runs(const std::vector<generator_run>& runs) {
  if (runs.empty()) throw std::invalid_argument("nothing to merge: name the generators' --out directories");
  merged_run out;
  auto& m = out.result;
  m.segment = check_segments(runs, out.notes);
  std::set<std::uint64_t> keys;
  for (const auto& g : runs)
    for (const auto& a : g.result.acknowledged)
      if (!keys.insert(a.id_key).second)
        throw std::invalid_argument(fmt::format(
            "{}: its runs' id key {:016x} is another directory's too: the same run given twice", g.dir, a.id_key));
  std::uint64_t start = UINT64_MAX;
  for (const auto& g : runs) start = std::min(start, g.result.start_wall_us);
  const auto& first = runs.front().result;
  m.target = first.target;
  m.config = first.config;
  m.config["segment"] = m.segment;
  m.config.erase("id_salt");  // each generator had its own: summary.json's id_keys lists them
  m.runs_per_request = first.runs_per_request;
  m.start_wall_us = start;
  m.phases = first.phases;
  for (const auto& g : runs) {
    const auto& r = g.result;
    if (r.target != m.target) out.notes.push_back(fmt::format("{} sent to {}, not {}", g.dir, r.target, m.target));
    // Generators given --start-at share second 0; others are placed by their wall-clock start.
    auto offset_s = static_cast<std::uint64_t>(std::llround(static_cast<double>(r.start_wall_us - start) / 1e6));
    if (offset_s > 0)
      out.notes.push_back(fmt::format("{} started {} s after the first: give every generator one --start-at", g.dir,
                                      offset_s));
    m.duration_s = std::max(m.duration_s, static_cast<double>(offset_s) + r.duration_s);
    m.elapsed_s = std::max(m.elapsed_s, static_cast<double>(offset_s) + r.elapsed_s);
    m.target_rate += r.target_rate;
    m.achieved_rate += r.achieved_rate;
    m.offered += r.offered;
    m.sent += r.sent;
    m.retries += r.retries;
    m.accepted += r.accepted;
    for (auto [status, n] : r.rejected) m.rejected[status] += n;
    m.errors += r.errors;
    m.dropped += r.dropped;
    m.runs_offered += r.runs_offered;
    m.runs_sent += r.runs_sent;
    m.runs_accepted += r.runs_accepted;
    m.operations_sent += r.operations_sent;
    m.operations_accepted += r.operations_accepted;
    m.corrected.merge(r.corrected);
    m.uncorrected.merge(r.uncorrected);
    for (const auto& row : r.timeseries) {
      if (row.second == 0) continue;  // rows count from second 1
      auto second = row.second + offset_s;
      while (m.timeseries.size() < second) {
        second_row empty;
        empty.second = m.timeseries.size() + 1;
        m.timeseries.push_back(empty);
      }
      merge_row(m.timeseries[second - 1], row);
    }
    m.acknowledged.insert(m.acknowledged.end(), r.acknowledged.begin(), r.acknowledged.end());
    if (r.stack) merge_stack(m.stack, *r.stack);
    if (r.reads) merge_reads(m.reads, *r.reads);
    if (r.api_probe) merge_api_probe(m.api_probe, *r.api_probe);
  }
  return out;
}

}  // namespace tracepipe::report

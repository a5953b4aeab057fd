#include "observe/reconcile.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "observe/stack_queries.hpp"

namespace tracepipe::observe {

using loadgen::accepted_request;
using loadgen::op_is_patch;
using loadgen::op_key;
using loadgen::parse_op;
using loadgen::request_plan;

namespace {

using clock_type = std::chrono::steady_clock;

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

/// The next TSV line's cells (reconcile_query's five columns), or false at the end.
bool next_row(std::string_view& body, std::string_view (&cells)[5]) {
  if (body.empty()) return false;
  auto nl = body.find('\n');
  auto line = body.substr(0, nl);
  body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
  for (auto& c : cells) {
    auto tab = line.find('\t');
    c = line.substr(0, tab);
    line = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
  }
  return true;
}

double quantile_ms(std::vector<std::uint64_t>& lags_us, double q) {
  if (lags_us.empty()) return 0;
  auto i = static_cast<std::size_t>(q * static_cast<double>(lags_us.size() - 1));
  std::nth_element(lags_us.begin(), lags_us.begin() + static_cast<std::ptrdiff_t>(i), lags_us.end());
  return static_cast<double>(lags_us[i]) / 1000.0;
}

std::uint64_t operations_of(const std::vector<acknowledged_ops>& loads) {
  std::uint64_t n = 0;
  for (const auto& l : loads) n += l.ops.size();
  return n;
}

/// What the loads' operations are found as: runs in the runs table, or
/// (Langfuse loads) events in Langfuse's tables; a merge may have both.
struct where_found {
  bool runs = false, langfuse = false;
};

where_found where_of(const std::vector<acknowledged_ops>& loads) {
  where_found w;
  for (const auto& l : loads) (l.ids == loadgen::id_form::langfuse ? w.langfuse : w.runs) = true;
  return w;
}

/// The answers of one statement per place, joined (their TSV lines follow
/// each other); failed at the first that fails.
sink::clickhouse_result query_each(sink::clickhouse_client& ch, const where_found& w, const std::string& runs_sql,
                                   const std::string& langfuse_sql) {
  sink::clickhouse_result joined;
  for (const auto* sql : {w.runs ? &runs_sql : nullptr, w.langfuse ? &langfuse_sql : nullptr}) {
    if (!sql) continue;
    auto r = ch.query(*sql);
    if (!r.ok()) return r;
    joined.body += r.body;
  }
  return joined;
}

}  // namespace

reconcile_result tally(std::string_view body, const std::vector<acknowledged_ops>& loads,
                       const reconcile_options& o) {
  reconcile_result r;
  r.expected = operations_of(loads);
  std::vector<std::vector<bool>> seen;
  for (const auto& l : loads) seen.emplace_back(l.ops.size(), false);
  struct point {
    std::uint64_t second, lag_us;
    bool post;
  };
  std::vector<point> points;
  std::string_view cells[5];
  auto late_us = static_cast<std::uint64_t>(o.late_after.count()) * 1000;
  while (next_row(body, cells)) {
    // The load that acknowledged this operation. An OTLP load's (span-form)
    // id carries no key, so every OTLP load parses it: the one whose
    // operations hold it is its load.
    bool ours = false;
    std::optional<op_key> op;
    std::size_t load = 0, i = 0;
    for (std::size_t l = 0; l < loads.size() && !op; ++l) {
      auto parsed = parse_op(loads[l].id_key, cells[0], cells[1], loads[l].ids);
      if (!parsed) continue;
      ours = true;
      const auto& expected = loads[l].ops;
      auto it = std::lower_bound(expected.begin(), expected.end(), *parsed);
      if (it == expected.end() || *it != *parsed) continue;
      op = parsed;
      load = l;
      i = static_cast<std::size_t>(it - expected.begin());
    }
    if (!ours) continue;  // another load's run, or the user's own
    if (!op) {
      ++r.unacknowledged;
      continue;
    }
    if (seen[load][i]) continue;
    seen[load][i] = true;
    ++r.found;
    r.duplicates += to_u64(cells[2]) - 1;
    auto inserted = to_u64(cells[3]), received = to_u64(cells[4]);
    auto lag = inserted > received ? inserted - received : 0;
    r.lag_us.record(lag);
    if (lag > late_us) ++r.late;
    auto second = inserted > o.start_us ? (inserted - o.start_us) / 1'000'000 + 1 : 1;
    points.push_back({second, lag, !op_is_patch(*op) && !loadgen::op_is_trace(*op)});
  }
  r.lost = r.expected - r.found;
  std::sort(points.begin(), points.end(), [](const point& a, const point& b) { return a.second < b.second; });
  std::vector<std::uint64_t> lags;
  for (std::size_t i = 0; i < points.size();) {
    inserted_second s;
    s.second = points[i].second;
    lags.clear();
    for (; i < points.size() && points[i].second == s.second; ++i) {
      ++s.operations;
      s.runs += points[i].post ? 1 : 0;
      lags.push_back(points[i].lag_us);
    }
    s.lag_p50_ms = quantile_ms(lags, 0.5);
    s.lag_p99_ms = quantile_ms(lags, 0.99);
    r.per_second.push_back(s);
  }
  return r;
}

reconcile_result reconcile(const std::vector<acknowledged_ops>& loads, const reconcile_options& o) {
  const auto expected = operations_of(loads);
  sink::clickhouse_client ch(o.target.clickhouse);
  auto t0 = clock_type::now();
  auto deadline = t0 + o.deadline;
  auto give_up = [&] { return clock_type::now() >= deadline || (o.stop && o.stop->load()); };
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  std::string error;
  // Cheap first: wait until ClickHouse holds at least as many of the
  // project's operations as were acknowledged (others' rows may inflate it:
  // the full pass below decides).
  auto where = where_of(loads);
  const auto& t = o.target.table;
  for (;;) {
    auto r = query_each(ch, where, operations_count_query(t, o.target.project, o.since_us),
                        langfuse_events_count_query(t, o.target.project, o.since_us));
    // One number per place: their sum.
    std::uint64_t n = 0;
    for (std::string_view rest = r.body; r.ok() && !rest.empty();) {
      auto nl = rest.find('\n');
      n += to_u64(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    error = r.ok() ? "" : r.message;
    if (r.ok() && n >= expected) break;
    if (give_up()) break;
    say(fmt::format("reconcile: {} of {} acknowledged operations in ClickHouse{}", n, expected,
                    error.empty() ? "" : " (" + error + ")"));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  reconcile_result result;
  for (;;) {
    auto r = query_each(ch, where, reconcile_query(t, o.target.project, o.since_us),
                        langfuse_reconcile_query(t, o.target.project, o.since_us));
    if (r.ok()) {
      result = tally(r.body, loads, o);
      error.clear();
    } else {
      error = r.message;
    }
    if ((r.ok() && result.lost == 0) || give_up()) break;
    say(fmt::format("reconcile: {} of {} found, waiting for the rest", result.found, expected));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  result.expected = expected;
  if (!error.empty()) {
    result.error = error;
    result.lost = result.expected - result.found;
  }
  result.timed_out = result.lost > 0;
  result.waited_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  return result;
}

}  // namespace tracepipe::observe

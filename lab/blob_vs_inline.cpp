#include "lab/blob_vs_inline.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/json_document.hpp"
#include "config/loader.hpp"
#include "lab/load_session.hpp"
#include "lab/local_write_path.hpp"
#include "loadgen/component_figures.hpp"
#include "loadgen/http_client.hpp"
#include "observe/prometheus_text.hpp"
#include "observe/redis_sampler.hpp"
#include "observe/server_figures.hpp"
#include "report/blob_compare.hpp"
#include "report/summary.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {
namespace {

namespace fs = std::filesystem;
using loadgen::bytes_per_mib;

/// The highest mean of `k` consecutive known values: what the sink kept up
/// for k seconds while more was offered than it could take.
std::optional<double> best_window_mean(const std::vector<std::optional<double>>& y, std::size_t k) {
  std::optional<double> best;
  for (std::size_t i = 0; i + k <= y.size(); ++i) {
    double sum = 0;
    bool known = true;
    for (std::size_t j = i; j < i + k; ++j) {
      known = known && y[j].has_value();
      sum += y[j].value_or(0);
    }
    if (known) best = std::max(best.value_or(0), sum / static_cast<double>(k));
  }
  return best;
}

template <class T>
T or_throw(std::optional<T> v, const std::string& error) {
  if (!v) throw std::runtime_error("ClickHouse: " + error);
  return *v;
}

struct side_plan {
  std::string name;
  std::string blob_mode;
  std::string ingest_mode;
};

side_plan plan_of(const std::string& side) {
  if (side == "inline") return {side, "never", "direct"};
  if (side == "blob") return {side, "auto", "direct"};
  // Langfuse keeps inputs and outputs in its ClickHouse rows.
  if (side == "s3-first") return {side, "never", "s3-first"};
  throw std::invalid_argument("no side '" + side + "'");
}

/// The page the write path in this process serves: ingest's figures and its workers'.
std::vector<observe::prometheus_sample> scrape(const std::string& url) {
  auto answer = loadgen::http_client(url, std::chrono::seconds(5)).request("GET", "/metrics");
  if (answer.status != 200) throw std::runtime_error("GET " + url + "/metrics answered " + std::to_string(answer.status));
  return observe::parse_prometheus_text(answer.body);
}

class blob_bench {
 public:
  blob_bench(const blob_vs_inline_options& o, config::settings base, stop_flags& stop)
      : o_(o), base_(std::move(base)), stop_(stop), salt_(fresh_id_salt()) {}

  report::blob_side run_side(const side_plan& plan);
  /// compare.json's "config": what every side was run with.
  boost::json::object config_json() const;

 private:
  loadgen::load_result run_session(const config::settings& s, const std::string& url, double rate, double seconds,
                                   const fs::path& out);
  void wait_for_merges(sink::clickhouse_client& ch);
  void add_capacity(report::blob_side& side, const config::settings& s, const std::string& url, const fs::path& dir);

  const blob_vs_inline_options& o_;
  config::settings base_;
  stop_flags& stop_;
  std::uint64_t salt_;
};

/// Waits (at most a minute) until ClickHouse has run no merge for 2 s, so
/// that one side's server-wide merge counters hold no merges of the other's.
void blob_bench::wait_for_merges(sink::clickhouse_client& ch) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  int quiet = 0;
  std::string error;
  while (quiet < 8 && !stop_.interrupted) {
    if (std::chrono::steady_clock::now() >= give_up) {
      std::cerr << "tracepipe compare: ClickHouse still merging after a minute; the merge figures may include "
                   "merges of earlier writes\n";
      return;
    }
    quiet = or_throw(observe::read_merges_running(ch, &error), error) == 0 ? quiet + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

report::blob_side blob_bench::run_side(const side_plan& plan) {
  auto s = base_;
  s.worker.blob_mode = plan.blob_mode;
  s.ingest.mode = plan.ingest_mode;
  s.worker.batch_bytes = o_.flush_bytes;
  s.worker.batch_age = o_.flush_age;
  // Fresh tables and streams: neither side sees the other's rows, parts or backlog.
  auto table_suffix = plan.name;
  std::replace(table_suffix.begin(), table_suffix.end(), '-', '_');
  s.clickhouse.table = fmt::format("runs_bvi_{:06x}_{}", salt_ & 0xffffff, table_suffix);
  s.s3.event_prefix = fmt::format("events-bvi-{:06x}/", salt_ & 0xffffff);
  s.redis.stream = fmt::format("tracepipe:bvi:{:06x}:{}", salt_ & 0xffffff, plan.name);
  auto dir = fs::path(o_.out) / plan.name;
  std::cerr << fmt::format("tracepipe compare: {} side (ingest mode {}, blob mode {}): table {}.{}, {} runs/s for {} s\n",
                           plan.name, plan.ingest_mode, plan.blob_mode, s.clickhouse.database, s.clickhouse.table,
                           o_.rate, o_.duration_s);
  sink::clickhouse_client ch(sink::client_settings(s.clickhouse));
  local_write_path path(s);

  report::blob_side side{plan.name, plan.blob_mode, plan.ingest_mode, {}, {}};
  std::string error;
  wait_for_merges(ch);
  auto before = or_throw(observe::read_write_counters(ch, &error), error);
  auto before_metrics = scrape(path.url());
  // Redis's memory before the load: the first sample of the run already
  // holds a second of backlog, so a peak measured above it read 0 on the
  // inline side while the chart climbed ~10 MiB.
  observe::redis_sampler redis(s.redis.url, s.redis.cluster, s.redis.stream, s.redis.shards, s.worker.group,
                               std::chrono::seconds(2));
  auto redis_before = redis.read();
  auto r = run_session(s, path.url(), o_.rate, o_.duration_s, dir);
  auto after_metrics = scrape(path.url());
  wait_for_merges(ch);  // the merges of this side's parts count for it
  auto after = or_throw(observe::read_write_counters(ch, &error), error);
  auto parts = or_throw(
      observe::read_table_parts(ch, sink::schema_names{s.clickhouse.database, s.clickhouse.table}, &error), error);

  auto& f = side.figures;
  f["achieved_rate"] = r.achieved_rate;
  f["runs_accepted"] = static_cast<double>(r.runs_accepted);
  if (r.stack && r.stack->reconciled) {
    f["lost"] = static_cast<double>(r.stack->lost);
    if (r.stack->lag_us.count() > 0) {
      f["lag_p50_ms"] = static_cast<double>(r.stack->lag_us.quantile(0.5)) / 1000;
      f["lag_p99_ms"] = static_cast<double>(r.stack->lag_us.quantile(0.99)) / 1000;
    }
  }
  if (r.stack && r.stack->visible_us.count() > 0) {
    f["visible_p50_ms"] = static_cast<double>(r.stack->visible_us.quantile(0.5)) / 1000;
    f["visible_p99_ms"] = static_cast<double>(r.stack->visible_us.quantile(0.99)) / 1000;
  }
  if (r.stack && r.stack->clickhouse_parts_max) f["parts_peak"] = static_cast<double>(*r.stack->clickhouse_parts_max);
  auto buckets = [&](const std::vector<observe::prometheus_sample>& m) {
    return observe::buckets_of(m, "tracepipe_sink_insert_latency_us");
  };
  for (auto [key, q] : {std::pair{"insert_p50_ms", 0.5}, std::pair{"insert_p99_ms", 0.99}})
    if (auto us = observe::quantile_between(buckets(before_metrics), buckets(after_metrics), q)) f[key] = *us / 1000;
  auto delta = [&](std::string_view name, std::string_view key = {}, std::string_view value = {}) {
    return observe::sum_of(after_metrics, name, key, value).value_or(0) -
           observe::sum_of(before_metrics, name, key, value).value_or(0);
  };
  f["inserts"] = delta("tracepipe_sink_batches_inserted_total");
  // The workers' blobs, and what ingest stored first.
  f["s3_puts"] = delta("tracepipe_sink_blobs_put_total") + delta("tracepipe_ingest_s3_objects_total", "outcome", "stored");
  f["s3_mib"] = (delta("tracepipe_sink_blob_bytes_total") + delta("tracepipe_ingest_s3_bytes_total")) / bytes_per_mib;
  f["s3_gets"] = delta("tracepipe_sink_objects_fetched_total");
  // Server-wide counters: the steady run's own writes, plus whatever else
  // the server wrote meanwhile (its log tables: little).
  f["clickhouse_inserted_mib"] = (after.inserted_bytes - before.inserted_bytes) / bytes_per_mib;
  f["merged_mib"] = (after.merged_bytes - before.merged_bytes) / bytes_per_mib;
  f["merge_ms"] = after.merge_ms - before.merge_ms;
  f["clickhouse_written_mib"] = (after.written_bytes - before.written_bytes) / bytes_per_mib;
  f["parts_created"] = parts.listed;
  f["clickhouse_disk_mib"] = parts.bytes_on_disk / bytes_per_mib;
  // Above its level before the load: what this side's backlog cost, not
  // what Redis held before (the other side's streams, the server's own).
  auto start = redis_before ? redis_before->memory_mib : std::nullopt;
  std::optional<double> peak;
  for (const auto& row : r.timeseries)
    if (auto m = row.components.redis_memory_mib) peak = std::max(peak.value_or(*m), *m);
  if (start && peak) f["redis_memory_peak_mib"] = std::max(0.0, *peak - *start);
  if (!start) std::cerr << "tracepipe compare: Redis memory before the load unknown (" << redis.error() << ")\n";
  side.timeseries = report::timeseries_of(r);
  if (o_.capacity_s > 0 && o_.capacity_rate > 0 && !stop_.interrupted) add_capacity(side, s, path.url(), dir);
  return side;
}

/// The overload after the steady run: the most the side sustains.
void blob_bench::add_capacity(report::blob_side& side, const config::settings& s, const std::string& url,
                              const fs::path& dir) {
  std::cerr << fmt::format("tracepipe compare: {} side: {:.0f} runs/s for {} s to find the most it sustains\n",
                           side.name, o_.capacity_rate, o_.capacity_s);
  auto r = run_session(s, url, o_.capacity_rate, o_.capacity_s, dir / "capacity");
  std::vector<std::optional<double>> rows_per_s;
  for (const auto& row : r.timeseries) rows_per_s.push_back(row.components.worker_inserted_rows);
  if (auto best = best_window_mean(rows_per_s, 5)) side.figures["max_sustained_rows_per_s"] = *best;
  std::optional<std::uint64_t> backlog = r.stack ? r.stack->queue_depth_max : std::nullopt;
  if (backlog) side.figures["overload_backlog_max"] = static_cast<double>(*backlog);
  // Without a backlog the sink kept up: the figure is the offered load, a
  // lower bound. A stream entry per operation: posts and patches.
  auto entries_per_run = static_cast<double>(r.operations_accepted) / std::max<double>(1, r.runs_accepted);
  if (static_cast<double>(backlog.value_or(0)) < 3 * o_.capacity_rate * std::max(1.0, entries_per_run))
    std::cerr << fmt::format("tracepipe compare: {} side: {:.0f} runs/s built no backlog of 3 s of input; its "
                             "most sustained is a lower bound (raise --capacity-rate)\n",
                             side.name, o_.capacity_rate);
}

boost::json::object blob_bench::config_json() const {
  using common::json_number;
  return {{"rate", json_number(o_.rate)},
          {"duration_s", json_number(o_.duration_s)},
          {"capacity_rate", json_number(o_.capacity_rate)},
          {"capacity_duration_s", json_number(o_.capacity_s)},
          {"seed", o_.seed},
          {"batch_size", o_.batch_size},
          {"inputs_size", o_.inputs_text},
          {"outputs_size", o_.outputs_text},
          {"blob_threshold", base_.worker.blob_threshold},
          {"flush_bytes", o_.flush_bytes},
          {"flush_age_ms", o_.flush_age.count()},
          {"pipelines", base_.worker.pipelines},
          {"batch_rows", base_.worker.batch_rows},
          {"sides", boost::json::array(o_.sides.begin(), o_.sides.end())}};
}

loadgen::load_result blob_bench::run_session(const config::settings& s, const std::string& url, double rate,
                                             double seconds, const fs::path& out) {
  load_session session;
  auto& o = session.options;
  o.target = url;
  o.stages = loadgen::constant_stages(rate, std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
  o.body.runs_per_request = o_.batch_size;
  // The SDKs' default: each payload field its own part, which the workers'
  // batch-bytes limit can tell will go to S3 (row_builder::row_bytes).
  o.body.endpoint = loadgen::wire::multipart;
  o.body.seed = o_.seed;
  o.body.id_salt = salt_;  // the same ids on every side: the same bodies, byte for byte
  o.body.inputs_size = o_.inputs;
  o.body.outputs_size = o_.outputs;
  o.connections = 16;
  o.progress = isatty(STDERR_FILENO) ? loadgen::progress_mode::line : loadgen::progress_mode::every_10s;
  session.stack = observe::stack_target_of(s, o.body.project);
  // A few probes a second: visibility as a user sees it (sent → found by a
  // SELECT), without reads that would weigh on ClickHouse.
  session.probe_rate = 2;
  session.out = out.string();
  // No thresholds: lost and duplicates are in the figures.
  return run_load_session(session, stop_.requested).result;
}

}  // namespace

int run_blob_vs_inline(blob_vs_inline_options o, stop_flags& stop) {
  std::optional<local_stack> own;
  if (o.stack_dir.empty()) {
    o.stack_dir = fresh_temp_dir("compare");
    stack::options topology;
    topology.dir = o.stack_dir;
    own.emplace(topology, o.keep_stack, "compare");
  } else if (!fs::exists(fs::path(o.stack_dir) / "stack.env")) {
    throw CLI::ValidationError("--stack " + o.stack_dir +
                               ": no stack.env there (a directory from `tracepipe stack up`)");
  } else {
    // The workers would wait for a stopped ClickHouse for ever: refuse instead.
    for (const auto& component : stack::status(o.stack_dir))
      if (!component.alive)
        throw std::runtime_error(fmt::format("--stack {}: {} is not running (see tracepipe stack status --dir {})",
                                             o.stack_dir, component.name, o.stack_dir));
  }
  if (o.out.empty()) o.out = (fs::path(o.stack_dir) / "blob-vs-inline").string();
  config::loader loader;
  loader.set_stack_dir(o.stack_dir);
  blob_bench bench(o, loader.load(), stop);
  std::vector<report::blob_side> sides;
  for (const auto& name : o.sides)
    if (!stop.interrupted) sides.push_back(bench.run_side(plan_of(name)));
  if (stop.interrupted) {
    std::cerr << "tracepipe compare: interrupted; no comparison written (each finished run's report is under "
              << o.out << ")\n";
    return 130;
  }
  fs::create_directories(o.out);
  auto out = fs::path(o.out);
  write_file(out / "compare.json", report::blob_compare_json(sides, bench.config_json()));
  write_file(out / "compare.html",
             report::blob_compare_html(sides, fmt::format("tracepipe blob vs inline — {} runs/s, seed {}", o.rate, o.seed)));
  std::cout << report::blob_compare_table(sides);
  std::cout << "compare: " << (out / "compare.json").string() << "\n"
            << "page: " << (out / "compare.html").string() << "\n";
  bool lost = std::any_of(sides.begin(), sides.end(), [](const auto& side) { return side.figure("lost").value_or(0) > 0; });
  return lost ? 3 : 0;
}

}  // namespace tracepipe::lab

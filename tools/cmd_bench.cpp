// `tracepipe bench blob-vs-inline`: the same seeded load run twice on the
// local stack — payloads inline in ClickHouse (worker.blob_mode never), then
// large ones offloaded to S3 (auto) — each on fresh tables and streams,
// compared side by side in the terminal, compare.json and compare.html.
// Local stack only: it starts one (or uses --stack DIR) and runs the write
// path in this process, because each side needs its own blob mode.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "config/units.hpp"
#include "loadgen/blob_compare.hpp"
#include "loadgen/component_figures.hpp"
#include "loadgen/prometheus_text.hpp"
#include "loadgen/report.hpp"
#include "loadgen/stack_queries.hpp"
#include "tools/commands.hpp"
#include "tools/load_session.hpp"
#include "tools/local_write_path.hpp"
#include "tools/stack/stack.hpp"

namespace tracepipe::tools {
namespace {

namespace fs = std::filesystem;

struct bench_cli {
  std::string stack_dir;
  std::string out;
  bool keep_stack = false;
  double rate = 500;
  std::string duration = "20s";
  double capacity_rate = -1;  ///< < 0: 10 × rate
  std::string capacity_duration = "10s";
  std::string inputs_size = "75%:500B-4KB,20%:4KB-16KB,5%:24KB-256KB";
  std::string outputs_size = "85%:200B-2KB,15%:2KB-32KB";
  std::uint64_t seed = 7;
  int batch_size = 50;
};

// stop_requested ends a load's schedule (the session clears it to still
// reconcile); interrupted stays set, so no further load starts.
std::atomic<bool> stop_requested{false};
std::atomic<bool> interrupted{false};
extern "C" void on_bench_signal(int) {
  interrupted.store(true);
  stop_requested.store(true);
}

[[noreturn]] void usage(const std::string& what) { throw CLI::ValidationError(what); }

double seconds_of(const std::string& flag, const std::string& text) {
  auto d = config::parse_duration(text);
  if (!d) usage(flag + ": '" + text + "' is not a duration such as 500ms, 10s or 2m");
  return std::chrono::duration<double>(*d).count();
}

loadgen::size_distribution sizes_of(const std::string& flag, const std::string& text) {
  std::string why;
  auto d = loadgen::size_distribution::parse(text, &why);
  if (!d) usage(flag + ": " + why);
  return *d;
}

/// The numbers of a one-row TSV answer.
std::vector<double> tsv_numbers(sink::clickhouse_client& ch, const std::string& sql) {
  auto r = ch.query(sql);
  if (!r.ok()) throw std::runtime_error("ClickHouse: " + r.message);
  std::vector<double> n;
  std::istringstream in(r.body);
  for (double v; in >> v;) n.push_back(v);
  return n;
}

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


/// Waits (at most a minute) until ClickHouse has run no merge for 2 s, so
/// that one side's server-wide merge counters hold no merges of the other's.
void wait_for_merges(sink::clickhouse_client& ch) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  int quiet = 0;
  while (quiet < 8 && !interrupted) {
    if (std::chrono::steady_clock::now() >= give_up) {
      std::cerr << "tracepipe bench: ClickHouse still merging after a minute; the merge figures may include "
                   "merges of earlier writes\n";
      return;
    }
    auto n = tsv_numbers(ch, loadgen::merges_running_query());
    quiet = !n.empty() && n[0] == 0 ? quiet + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

struct side_plan {
  const char* name;
  const char* blob_mode;
};

/// The flags checked and parsed, before anything starts.
struct bench_plan {
  explicit bench_plan(const bench_cli& c)
      : capacity_rate(c.capacity_rate < 0 ? 10 * c.rate : c.capacity_rate),
        duration_s(seconds_of("--duration", c.duration)),
        capacity_s(seconds_of("--capacity-duration", c.capacity_duration)),
        inputs(sizes_of("--inputs-size", c.inputs_size)),
        outputs(sizes_of("--outputs-size", c.outputs_size)) {
    if (!(c.rate > 0 && std::isfinite(c.rate))) usage("--rate must be a number above 0");
    if (!(capacity_rate >= 0 && std::isfinite(capacity_rate))) usage("--capacity-rate must be a number, 0 or more");
  }
  double capacity_rate, duration_s, capacity_s;
  loadgen::size_distribution inputs, outputs;
};

class blob_bench {
 public:
  blob_bench(const bench_cli& c, const bench_plan& plan, config::settings base)
      : c_(c), p_(plan), base_(std::move(base)), salt_(fresh_id_salt()) {}

  loadgen::blob_side run_side(const side_plan& plan) {
    auto s = base_;
    s.worker.blob_mode = plan.blob_mode;
    // Fresh tables and streams: neither side sees the other's rows, parts or backlog.
    s.clickhouse.table = fmt::format("runs_bvi_{:06x}_{}", salt_ & 0xffffff, plan.name);
    s.redis.stream = fmt::format("tracepipe:bvi:{:06x}:{}", salt_ & 0xffffff, plan.name);
    auto dir = fs::path(c_.out) / plan.name;
    std::cerr << fmt::format("tracepipe bench: {} side (blob mode {}): table {}.{}, {} runs/s for {}\n", plan.name,
                             plan.blob_mode, s.clickhouse.database, s.clickhouse.table, c_.rate, c_.duration);
    sink::clickhouse_client ch({s.clickhouse.url, s.clickhouse.user, s.clickhouse.password, s.clickhouse.timeout,
                                s.clickhouse.ca_file});
    local_write_path path(s);
    auto workers = path.worker();  // never restarted here: the same workers throughout

    loadgen::blob_side side{plan.name, plan.blob_mode, {}, {}};
    wait_for_merges(ch);
    auto before_counters = tsv_numbers(ch, loadgen::write_counters_query());
    auto before_metrics = loadgen::parse_prometheus_text(workers->metrics().render());
    run_session(s, path.url(), c_.rate, p_.duration_s, dir);
    auto after_metrics = loadgen::parse_prometheus_text(workers->metrics().render());
    wait_for_merges(ch);  // the merges of this side's parts count for it
    auto after_counters = tsv_numbers(ch, loadgen::write_counters_query());
    auto parts = tsv_numbers(ch, loadgen::table_parts_query(sink::schema_names{s.clickhouse.database, s.clickhouse.table}));

    auto steady = loadgen::read_report_files(dir);
    auto& f = side.figures;
    auto put = [&](const char* key, std::optional<double> v) {
      if (v) f[key] = *v;
    };
    put("achieved_rate", steady.summary.number("achieved_rate"));
    put("runs_accepted", steady.summary.number("runs.accepted"));
    put("lost", steady.summary.number("lost"));
    put("lag_p50_ms", steady.summary.number("lag_ms.p50"));
    put("lag_p99_ms", steady.summary.number("lag_ms.p99"));
    put("parts_peak", steady.summary.number("components.clickhouse_parts_max"));
    auto buckets = [&](const std::vector<loadgen::prometheus_sample>& m) {
      return loadgen::buckets_of(m, "tracepipe_sink_insert_latency_us");
    };
    for (auto [key, q] : {std::pair{"insert_p50_ms", 0.5}, std::pair{"insert_p99_ms", 0.99}})
      if (auto us = loadgen::quantile_between(buckets(before_metrics), buckets(after_metrics), q)) f[key] = *us / 1000;
    auto delta = [&](std::string_view name) {
      return loadgen::sum_of(after_metrics, name).value_or(0) - loadgen::sum_of(before_metrics, name).value_or(0);
    };
    f["inserts"] = delta("tracepipe_sink_batches_inserted_total");
    f["s3_puts"] = delta("tracepipe_sink_blobs_put_total");
    f["s3_mib"] = delta("tracepipe_sink_blob_bytes_total") / loadgen::bytes_per_mib;
    // Server-wide counters: the steady run's own writes, plus whatever else
    // the server wrote meanwhile (its log tables: little).
    if (before_counters.size() == 6 && after_counters.size() == 6) {
      auto grew = [&](int i) { return after_counters[i] - before_counters[i]; };
      f["clickhouse_inserted_mib"] = grew(1) / loadgen::bytes_per_mib;
      f["merged_mib"] = grew(3) / loadgen::bytes_per_mib;
      f["merge_ms"] = grew(4);
      f["clickhouse_written_mib"] = grew(5) / loadgen::bytes_per_mib;
    }
    if (parts.size() == 4) {
      f["parts_created"] = parts[1];
      f["clickhouse_disk_mib"] = parts[2] / loadgen::bytes_per_mib;
    }
    // Above its level at the start: what this side's backlog cost, not what
    // Redis held before (the other side's streams, the server's own).
    std::optional<double> first, peak;
    for (auto m : steady.timeseries.column("redis_memory_mib")) {
      if (!m) continue;
      if (!first) first = *m;
      peak = std::max(peak.value_or(*m), *m);
    }
    if (first) f["redis_memory_peak_mib"] = *peak - *first;
    side.timeseries = std::move(steady.timeseries);

    if (p_.capacity_s > 0 && p_.capacity_rate > 0 && !interrupted) {
      std::cerr << fmt::format("tracepipe bench: {} side: {:.0f} runs/s for {} to find the most it sustains\n",
                               plan.name, p_.capacity_rate, c_.capacity_duration);
      auto cap_dir = dir / "capacity";
      run_session(s, path.url(), p_.capacity_rate, p_.capacity_s, cap_dir);
      auto over = loadgen::read_report_files(cap_dir);
      put("max_sustained_rows_per_s", best_window_mean(over.timeseries.column("worker_inserted_rows_per_s"), 5));
      auto backlog = over.summary.number("components.queue_depth_max");
      put("overload_backlog_max", backlog);
      // Without a backlog the sink kept up: the figure is the offered load, a
      // lower bound. A stream entry per operation: posts and patches.
      auto entries_per_run = over.summary.number("runs.operations_accepted").value_or(0) /
                             std::max(1.0, over.summary.number("runs.accepted").value_or(1));
      if (backlog.value_or(0) < 3 * p_.capacity_rate * std::max(1.0, entries_per_run))
        std::cerr << fmt::format("tracepipe bench: {} side: {:.0f} runs/s built no backlog of 3 s of input; its "
                                 "most sustained is a lower bound (raise --capacity-rate)\n",
                                 plan.name, p_.capacity_rate);
    }
    return side;
  }

  std::string config_json() const {
    return fmt::format(
        R"({{"rate":{},"duration_s":{},"capacity_rate":{},"capacity_duration_s":{},"seed":{},"batch_size":{},)"
        R"("inputs_size":"{}","outputs_size":"{}","blob_threshold":{},"pipelines":{},"batch_rows":{}}})",
        c_.rate, p_.duration_s, p_.capacity_rate, p_.capacity_s, c_.seed, c_.batch_size,
        loadgen::json_escape(c_.inputs_size), loadgen::json_escape(c_.outputs_size), base_.worker.blob_threshold,
        base_.worker.pipelines, base_.worker.batch_rows);
  }

 private:
  void run_session(const config::settings& s, const std::string& url, double rate, double seconds, const fs::path& out) {
    load_session session;
    auto& o = session.options;
    o.target = url;
    o.stages = loadgen::constant_stages(rate, std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
    o.body.runs_per_request = c_.batch_size;
    o.body.seed = c_.seed;
    o.body.id_salt = salt_;  // the same ids on both sides: the same bodies, byte for byte
    o.body.inputs_size = p_.inputs;
    o.body.outputs_size = p_.outputs;
    o.connections = 16;
    o.progress = isatty(STDERR_FILENO) ? loadgen::progress_mode::line : loadgen::progress_mode::every_10s;
    session.stack = loadgen::stack_target_of(s, o.body.project);
    session.probe_rate = 0;
    session.out = out.string();
    run_load_session(session, stop_requested);  // no thresholds: lost and duplicates are in the figures
  }

  const bench_cli& c_;
  const bench_plan& p_;
  config::settings base_;
  std::uint64_t salt_;
};

int run_blob_vs_inline(bench_cli& c) {
  bench_plan plan(c);  // a mistyped flag costs nothing: checked before the stack starts
  std::signal(SIGINT, on_bench_signal);
  std::signal(SIGTERM, on_bench_signal);
  std::optional<local_stack> own;
  if (c.stack_dir.empty()) {
    c.stack_dir = fresh_temp_dir("bench");
    own.emplace(c.stack_dir, c.keep_stack, "bench");
  } else if (!fs::exists(fs::path(c.stack_dir) / "stack.env")) {
    usage("--stack " + c.stack_dir + ": no stack.env there (a directory from `tracepipe stack up`)");
  } else {
    // The workers would wait for a stopped ClickHouse for ever: refuse instead.
    for (const auto& component : stack::status(c.stack_dir))
      if (!component.alive)
        throw std::runtime_error(fmt::format("--stack {}: {} is not running (see tracepipe stack status --dir {})",
                                             c.stack_dir, component.name, c.stack_dir));
  }
  if (c.out.empty()) c.out = (fs::path(c.stack_dir) / "blob-vs-inline").string();
  config::loader loader;
  loader.set_stack_dir(c.stack_dir);
  blob_bench bench(c, plan, loader.load());
  auto inline_side = interrupted ? loadgen::blob_side{} : bench.run_side({"inline", "never"});
  auto offloaded = interrupted ? loadgen::blob_side{} : bench.run_side({"blob", "auto"});
  if (interrupted) {
    std::cerr << "tracepipe bench: interrupted; no comparison written (each finished run's report is under "
              << c.out << ")\n";
    return 130;
  }

  fs::create_directories(c.out);
  auto out = fs::path(c.out);
  write_file(out / "compare.json", loadgen::blob_compare_json(inline_side, offloaded, bench.config_json()));
  write_file(out / "compare.html",
             loadgen::blob_compare_html(inline_side, offloaded,
                                        fmt::format("tracepipe blob vs inline — {} runs/s, seed {}", c.rate, c.seed)));
  std::cout << loadgen::blob_compare_table(inline_side, offloaded);
  std::cout << "compare: " << (out / "compare.json").string() << "\n"
            << "page: " << (out / "compare.html").string() << "\n";
  bool lost = inline_side.figure("lost").value_or(0) > 0 || offloaded.figure("lost").value_or(0) > 0;
  return lost ? 3 : 0;
}

}  // namespace

void add_bench_command(CLI::App& app, action& run) {
  static bench_cli c;
  auto* bench = app.add_subcommand("bench", "Benchmarks that answer a deployment question with numbers");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand(
      "blob-vs-inline",
      "The same seeded load (payload sizes with a heavy tail) run twice on the local stack, on fresh tables: "
      "payloads inline in ClickHouse (worker.blob_mode never), then fields over worker.blob_threshold in S3 "
      "(auto). Compared side by side: ClickHouse bytes written and on disk, parts created and peak, merges and "
      "merged bytes, INSERT latency p50/p99, lag p50/p99, the most each sustains under overload, Redis memory "
      "peak, S3 PUTs and bytes. Prints the table; writes compare.json, compare.html (the runs' charts "
      "overlaid) and each run's own report under --out. Local stack only. Exit 0 ok, 3 when a run was lost "
      "(or 130 when interrupted)");
  cmd->add_option("--stack", c.stack_dir,
                  "A running local stack (`tracepipe stack up --dir DIR`); default: start one in a new temp dir "
                  "and stop it after");
  cmd->add_option("--out", c.out, "Output directory (default: STACK/blob-vs-inline)");
  cmd->add_flag("--keep-stack", c.keep_stack, "Leave the stack this command started running afterwards");
  cmd->add_option("--rate", c.rate, "Runs per second of the compared load")->capture_default_str();
  cmd->add_option("--duration", c.duration, "How long each side's compared load lasts")->capture_default_str();
  cmd->add_option("--capacity-rate", c.capacity_rate,
                  "Runs/s offered afterwards to find the most each side sustains (default 10 × --rate; 0: skip)");
  cmd->add_option("--capacity-duration", c.capacity_duration, "How long that overload lasts (0s: skip)")
      ->capture_default_str();
  cmd->add_option("--inputs-size", c.inputs_size, "Sizes of each run's inputs, as `load --inputs-size`")
      ->capture_default_str();
  cmd->add_option("--outputs-size", c.outputs_size, "Sizes of each run's outputs")->capture_default_str();
  cmd->add_option("--seed", c.seed, "Payloads, sizes and shapes: the same on both sides")->capture_default_str();
  cmd->add_option("--batch-size", c.batch_size, "Runs per request")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->callback([&run] {
    run = [] { return run_blob_vs_inline(c); };
  });
}

}  // namespace tracepipe::tools

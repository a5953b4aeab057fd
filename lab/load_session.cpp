#include "lab/load_session.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "loadgen/api_probe.hpp"
#include "loadgen/target_url.hpp"
#include "observe/metrics_sampler.hpp"
#include "observe/observer.hpp"
#include "observe/reconcile.hpp"
#include "observe/stack_figures.hpp"
#include "report/acknowledged_file.hpp"
#include "report/report_html.hpp"

#include "report/summary.hpp"

namespace tracepipe::lab {

using observe::reconcile;

namespace {

/// After the schedule: wait for the write path to drain, look every
/// acknowledged operation up, stop the observer, fold it all into r.
void see_behind_the_target(loadgen::load_result& r, const loadgen::load_options& o,
                           const observe::stack_target& target, observe::observer& watch,
                           std::chrono::milliseconds timeout, std::chrono::milliseconds late_after,
                           std::atomic<bool>& stop) {
  observe::reconcile_options ro;
  ro.target = target;
  ro.deadline = timeout;
  ro.late_after = late_after;
  ro.start_us = r.start_wall_us;
  ro.since_us = r.start_wall_us - 2'000'000;  // ingest's clock may trail ours a little
  ro.stop = &stop;
  stop.store(false);  // a Ctrl-C that ended the schedule early still reconciles
  if (o.progress != loadgen::progress_mode::none)
    ro.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  std::optional<observe::reconcile_result> rec;
  if (timeout.count() > 0) rec = observe::reconcile(r.acknowledged, ro);
  watch.end();
  observe::attach_stack_figures(r, watch, rec ? &*rec : nullptr, ro);
}

/// "p50 … p90 … p99 … max … (n=…)" in ms of a µs histogram.
std::string pct(const loadgen::histogram& h) {
  return h.count() ? fmt::format("p50 {:.0f} p90 {:.0f} p99 {:.0f} max {:.0f} (n={})", h.quantile(0.5) / 1e3,
                                 h.quantile(0.9) / 1e3, h.quantile(0.99) / 1e3, h.max() / 1e3, h.count())
                   : std::string("not measured");
}

void print_stack_figures(const loadgen::load_result& r) {
  if (!r.stack) return;
  const auto& f = *r.stack;
  if (f.reconciled)
    std::cout << fmt::format(
        "reconcile: acknowledged {} found {} lost {} duplicates {} late(>{:.0f}s) {} unacknowledged-found {}{}\n"
        "lag ms (received → inserted)  {}\n",
        f.expected, f.found, f.lost, f.duplicates, f.late_after_ms / 1e3, f.late, f.unacknowledged,
        f.timed_out ? fmt::format("  (gave up after {:.0f} s)", f.waited_s) : "", pct(f.lag_us));
  std::cout << fmt::format("visible ms (sent → found)     {}{}\n", pct(f.visible_us),
                           f.probes_not_visible ? fmt::format("  never seen: {}", f.probes_not_visible) : "");
  if (f.replicas > 0)
    std::cout << fmt::format("  on all {} replicas, ms      {}{}\n  replication lag ms           {}\n", f.replicas,
                             pct(f.visible_all_us),
                             f.probes_not_on_every_replica
                                 ? fmt::format("  never on all: {}", f.probes_not_on_every_replica)
                                 : "",
                             pct(f.replication_lag_us));
  auto opt = [](const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
  std::cout << fmt::format("queue depth max {}  ClickHouse parts max {}\n", opt(f.queue_depth_max),
                           opt(f.clickhouse_parts_max));
  if (!f.error.empty())
    std::cerr << fmt::format("tracepipe load: {} error(s) reading the stack, last: {}\n", f.observer_errors, f.error);
}

}  // namespace

void print_summary(const loadgen::load_result& r) {
  std::string rejected;
  for (auto [s, n] : r.rejected) rejected += fmt::format(" {}×{}", n, s);
  auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1e3; };
  std::cout << fmt::format(
      "runs/s target {:.0f} achieved {:.0f}  requests sent {} accepted {} rejected{} errors {} dropped {}\n"
      "latency ms (corrected)   p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}\n"
      "latency ms (uncorrected) p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}\n",
      r.target_rate, r.achieved_rate, r.sent, r.accepted, rejected.empty() ? " 0" : rejected, r.errors, r.dropped,
      ms(r.corrected.quantile(0.5)), ms(r.corrected.quantile(0.9)), ms(r.corrected.quantile(0.99)),
      ms(r.corrected.quantile(0.999)), ms(r.corrected.max()), ms(r.uncorrected.quantile(0.5)),
      ms(r.uncorrected.quantile(0.9)), ms(r.uncorrected.quantile(0.99)), ms(r.uncorrected.quantile(0.999)),
      ms(r.uncorrected.max()));
  print_stack_figures(r);
  if (r.api_probe)
    std::cout << fmt::format("visible ms via GET /runs/{{id}} {}{}{}\n", pct(r.api_probe->visible_us),
                             r.api_probe->not_visible ? fmt::format("  never seen: {}", r.api_probe->not_visible) : "",
                             r.api_probe->errors ? fmt::format("  failed polls: {}", r.api_probe->errors) : "");
  if (r.reads) {
    const auto& f = *r.reads;
    std::string refused;
    for (auto [status, n] : f.rejected) refused += fmt::format(" {}×{}", n, status);
    std::cout << fmt::format(
        "reads/s target {:.0f} achieved {:.0f}  sent {} ok {} not-visible-yet(404) {} rejected{} errors {} dropped {}\n"
        "read latency ms (corrected) p50 {:.2f} p90 {:.2f} p99 {:.2f} max {:.2f}  (uncorrected p99 {:.2f})\n",
        f.target_rate, f.achieved_rate, f.sent, f.ok, f.not_found, refused.empty() ? " 0" : refused, f.errors,
        f.dropped, ms(f.corrected.quantile(0.5)), ms(f.corrected.quantile(0.9)), ms(f.corrected.quantile(0.99)),
        ms(f.corrected.max()), ms(f.uncorrected.quantile(0.99)));
  }
}

namespace {

/// The pages to scrape: those asked for, else the target's own /metrics when
/// it is tracepipe (a remote platform's API has none: said once, not an error).
std::vector<std::string> metrics_pages(const load_session& session, const std::string& target) {
  if (!session.metrics_urls.empty()) return session.metrics_urls;
  auto parts = loadgen::split_url(target);
  auto page = fmt::format("http://{}:{}/metrics", parts.host, parts.port);
  std::string why;
  if (observe::serves_tracepipe_metrics(page, &why)) return {page};
  std::cerr << fmt::format("load: not sampling the write path's /metrics ({}); name the pages with --metrics\n", why);
  return {};
}

}  // namespace

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f.flush()) throw std::runtime_error("cannot write " + p.string());
}

void write_run_files(const std::filesystem::path& dir, const loadgen::load_result& r,
                     const std::vector<report::threshold_outcome>& outcomes) {
  write_file(dir / "summary.json", report::summary_json(r, outcomes));
  write_file(dir / "timeseries.csv", report::timeseries_csv(r));
  write_file(dir / "acknowledged_ops.txt", report::acknowledged_ops_text(r.acknowledged));
  write_file(dir / "report.html", report::render_report_html(report::inputs_of(r, outcomes, dir.string())));
}

int exit_code_of(const std::vector<report::threshold_outcome>& outcomes) {
  int code = 0;
  for (const auto& t : outcomes)
    if (!t.passed) {
      code = 3;
      std::cerr << fmt::format("threshold failed: {}  (actual {:.3f})\n", t.t.text, t.actual);
    }
  return code;
}

std::uint64_t fresh_id_salt() {
  return static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
         (static_cast<std::uint64_t>(::getpid()) << 48);
}

session_result run_load_session(load_session& session, std::atomic<bool>& stop) {
  auto& o = session.options;
  o.stop = &stop;
  o.progress_out = &std::cerr;
  if (!session.out.empty()) std::filesystem::create_directories(session.out);
  std::unique_ptr<observe::observer> watch;
  if (session.stack) {
    observe::observer_options watching;
    watching.target = *session.stack;
    watching.probes_per_second = session.probe_clickhouse ? session.probe_rate : 0;
    watching.metrics_urls = metrics_pages(session, o.target);
    watch = std::make_unique<observe::observer>(std::move(watching));
    o.watch = watch.get();
  }
  std::unique_ptr<loadgen::api_probe> api;
  std::unique_ptr<loadgen::watcher_pair> both;
  if (session.probe_api) {
    loadgen::api_probe_options ao;
    ao.target = o.target;
    ao.api_key = o.api_key;
    ao.probes_per_second = session.probe_rate;
    ao.wait_for_patch = o.body.pattern != loadgen::run_pattern::post;
    api = std::make_unique<loadgen::api_probe>(ao);
    if (watch) both = std::make_unique<loadgen::watcher_pair>(*watch, *api);
    o.watch = both ? static_cast<loadgen::run_watcher*>(both.get()) : api.get();
  }
  std::optional<loadgen::read_targets> targets;
  std::unique_ptr<loadgen::read_load> reads;
  if (session.reads) {
    auto ro = *session.reads;
    ro.target = o.target;
    ro.api_key = o.api_key;
    ro.project = o.body.project;
    ro.seed = o.body.seed ^ o.body.id_salt;
    if (ro.stages.empty()) {
      std::chrono::nanoseconds total{0};
      for (const auto& st : o.stages) total += st.duration;
      // One of N generators reads its share too: the merged run reads at the rate asked for.
      double rate = session.reads_per_s / o.segment.count;
      ro.stages = {{std::chrono::nanoseconds(0), rate}, {total, rate}};
    }
    targets.emplace();
    o.reads_of = &*targets;
    reads = std::make_unique<loadgen::read_load>(std::move(ro), *targets);
    // Both loads share second 0.
    o.on_start = [reads = reads.get(), then = o.on_start](std::chrono::steady_clock::time_point start) {
      reads->start(start);
      if (then) then(start);
    };
  }
  auto r = loadgen::run_load(o);
  std::optional<loadgen::read_figures> read;
  if (reads) read = reads->finish(stop.load());
  if (session.after_schedule) session.after_schedule();
  if (watch) see_behind_the_target(r, o, *session.stack, *watch, session.reconcile_timeout, session.late_after, stop);
  // After the stack's figures, which set each second's component columns whole.
  if (read) loadgen::attach_reads(r, std::move(*read));
  if (api) r.api_probe = api->finish();
  r.phases = session.phases;
  auto outcomes = report::evaluate(session.thresholds, r);
  if (session.judge)
    for (auto& o : session.judge(r)) outcomes.push_back(std::move(o));
  std::filesystem::path dir(session.out);
  if (!session.out.empty()) write_run_files(dir, r, outcomes);
  print_summary(r);
  if (!session.out.empty()) std::cout << "report: " << (dir / "report.html").string() << "\n";
  int exit_code = exit_code_of(outcomes);
  return {std::move(r), std::move(outcomes), exit_code};
}

}  // namespace tracepipe::lab

// `tracepipe load`: the open-loop load generator (loadgen/load_runner.hpp)
// with its command line, live progress, reports and thresholds.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "loadgen/load_runner.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {
namespace {

struct load_cli {
  loadgen::load_options o;
  double rate = 0;
  std::string duration = "10s";
  std::string stages;
  std::string endpoint = "batch";
  std::string pattern = "post-patch";
  std::string payload = "200";
  std::string on_429 = "retry";
  int timeout_ms = 30'000;
  int drain_ms = 10'000;
  std::string out;
  std::vector<std::string> thresholds;
  bool quiet = false;
};

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) { stop_requested.store(true); }

[[noreturn]] void usage(const std::string& what) { throw CLI::ValidationError(what); }

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f.flush()) throw std::runtime_error("cannot write " + p.string());
}

int run_load_command(load_cli& c) {
  auto& o = c.o;
  std::string why;
  if (!c.stages.empty()) {
    auto s = loadgen::parse_stages(c.stages, &why);
    if (!s) usage("--stages: " + why);
    o.stages = *s;
  } else {
    auto d = loadgen::schedule::parse_duration(c.duration, &why);
    if (!d) usage("--duration: " + why);
    if (!(c.rate > 0)) usage("--rate (runs/s) or --stages is required");
    o.stages = loadgen::constant_stages(c.rate, *d);
  }
  o.body.endpoint = c.endpoint == "single" ? loadgen::wire::single
                    : c.endpoint == "multipart" ? loadgen::wire::multipart
                                                : loadgen::wire::batch;
  o.body.pattern = c.pattern == "post" ? loadgen::run_pattern::post
                   : c.pattern == "combined" ? loadgen::run_pattern::combined
                                             : loadgen::run_pattern::post_patch;
  {
    auto dash = c.payload.find('-');
    try {
      o.body.payload_min = std::stoul(c.payload.substr(0, dash));
      o.body.payload_max = dash == std::string::npos ? o.body.payload_min : std::stoul(c.payload.substr(dash + 1));
    } catch (const std::exception&) {
      usage("--payload-bytes: '" + c.payload + "' is not N or MIN-MAX");
    }
    if (o.body.payload_max < o.body.payload_min) usage("--payload-bytes: MAX < MIN");
  }
  o.retry = c.on_429 == "retry";
  o.request_timeout = std::chrono::milliseconds(c.timeout_ms);
  o.drain_timeout = std::chrono::milliseconds(c.drain_ms);
  std::vector<loadgen::threshold> ts;
  for (const auto& t : c.thresholds) {
    auto parsed = loadgen::threshold::parse(t, &why);
    if (!parsed) usage("--threshold: " + why);
    ts.push_back(*parsed);
  }
  o.progress = c.quiet ? loadgen::progress_mode::none
               : isatty(STDERR_FILENO) ? loadgen::progress_mode::line
                                       : loadgen::progress_mode::every_10s;
  o.progress_out = &std::cerr;
  o.stop = &stop_requested;
  if (!c.out.empty()) std::filesystem::create_directories(c.out);

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  auto r = loadgen::run_load(o);
  auto outcomes = loadgen::evaluate(ts, r);

  if (!c.out.empty()) {
    write_file(std::filesystem::path(c.out) / "summary.json", loadgen::summary_json(r, outcomes));
    write_file(std::filesystem::path(c.out) / "timeseries.csv", loadgen::timeseries_csv(r));
  }
  std::string rejected;
  for (auto [s, n] : r.rejected) rejected += fmt::format(" {}×{}", n, s);
  std::cout << fmt::format(
      "runs/s target {:.0f} achieved {:.0f}  requests sent {} accepted {} rejected{} errors {} dropped {}\n"
      "latency ms (corrected)   p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}\n"
      "latency ms (uncorrected) p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} max {:.2f}\n",
      r.target_rate, r.achieved_rate, r.sent, r.accepted, rejected.empty() ? " 0" : rejected, r.errors, r.dropped,
      r.corrected.quantile(0.5) / 1e3, r.corrected.quantile(0.9) / 1e3, r.corrected.quantile(0.99) / 1e3,
      r.corrected.quantile(0.999) / 1e3, r.corrected.max() / 1e3, r.uncorrected.quantile(0.5) / 1e3,
      r.uncorrected.quantile(0.9) / 1e3, r.uncorrected.quantile(0.99) / 1e3, r.uncorrected.quantile(0.999) / 1e3,
      r.uncorrected.max() / 1e3);
  bool failed = false;
  for (const auto& t : outcomes)
    if (!t.passed) {
      failed = true;
      std::cerr << fmt::format("threshold failed: {}  (actual {:.3f})\n", t.t.text, t.actual);
    }
  return failed ? 3 : 0;
}

}  // namespace

void add_load_command(CLI::App& app, action& run) {
  static load_cli c;
  auto& o = c.o;
  auto* cmd = app.add_subcommand(
      "load",
      "Open-loop load generator: SDK-shaped runs at a constant rate (--rate) or in stages (--stages), latency "
      "from each request's intended send time (coordinated-omission corrected) and from its actual one. "
      "Exit 0 ok, 1 runtime failure, 2 usage, 3 a --threshold failed");
  cmd->add_option("--target", o.target, "Base URL of the ingest API")->capture_default_str();
  cmd->add_option("--rate", c.rate, "Runs per second (constant); requests/s = rate / --batch-size");
  cmd->add_option("--duration", c.duration, "How long to hold --rate (30s, 2m, 1m30s)")->capture_default_str();
  cmd->add_option("--stages", c.stages, "Instead of --rate: k6-style ramps in runs/s, e.g. 30s:500,2m:5000,30s:0");
  cmd->add_option("--endpoint", c.endpoint, "Wire format")
      ->capture_default_str()
      ->check(CLI::IsMember({"batch", "multipart", "single"}));
  cmd->add_option("--batch-size", o.body.runs_per_request, "Runs per request (batch, multipart; single: 1)")
      ->capture_default_str()
      ->check(CLI::Range(1, loadgen::request_plan::max_slots - 1));
  cmd->add_option("--pattern", c.pattern,
                  "post-patch: each request posts its runs and patches the previous request's (the SDK's post at "
                  "start, patch at end); post: posts only; combined: post and patch of a run in one request")
      ->capture_default_str()
      ->check(CLI::IsMember({"post-patch", "post", "combined"}));
  cmd->add_option("--runs-per-trace", o.body.runs_per_trace, "Trace shape: a root and its chain of children")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--payload-bytes", c.payload, "Size of inputs and of outputs per run: N, or MIN-MAX (uniform per "
                                                "body template)")
      ->capture_default_str();
  cmd->add_option("--seed", o.body.seed, "Seed of the generated runs and ids")->capture_default_str();
  cmd->add_option("--api-key", o.api_key, "Sent as x-api-key")->envname("TRACEPIPE_API_KEY");
  cmd->add_option("--connections", o.connections, "Keep-alive connections in the pool")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--max-queue", o.max_queue, "Requests waiting for a free connection; beyond, dropped")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--on-429", c.on_429, "429/503: retry after Retry-After as the JS SDK does, or count as dropped")
      ->capture_default_str()
      ->check(CLI::IsMember({"retry", "drop"}));
  cmd->add_option("--max-retries", o.max_retries, "Retries of one request on 429/503")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  cmd->add_option("--default-retry-after", o.default_retry_after_s, "Seconds to wait when Retry-After is absent")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--timeout-ms", c.timeout_ms, "Per request (connect, write, answer)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  cmd->add_option("--drain-timeout-ms", c.drain_ms, "After the schedule: wait this long for answers and retries")
      ->capture_default_str()
      ->check(CLI::Range(0, 3'600'000));
  cmd->add_option("--out", c.out, "Directory for summary.json and timeseries.csv");
  cmd->add_option("--threshold", c.thresholds,
                  "Pass/fail, repeatable: 'http_p99<200ms', 'errors==0', 'rate_ratio>=0.99' (metrics: http_p50 "
                  "http_p90 http_p99 http_p999 http_max http_mean [+_uncorrected], sent accepted errors dropped "
                  "rejected rejected_429 rejected_5xx retries achieved_rate target_rate rate_ratio error_ratio)");
  cmd->add_flag("--quiet", c.quiet, "No progress on stderr");
  cmd->callback([&run] {
    run = [] { return run_load_command(c); };
  });
}

}  // namespace tracepipe::tools

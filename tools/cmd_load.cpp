// `tracepipe load`: the open-loop load generator (loadgen/load_runner.hpp)
// with its command line, live progress, reports and thresholds.
#include <unistd.h>

#include <atomic>

#include "config/loader.hpp"
#include "config/units.hpp"
#include "ingest/api_keys.hpp"
#include "lab/load_session.hpp"
#include "loadgen/load_runner.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

#include "observe/reconcile.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::tools {

using lab::fresh_id_salt;
using lab::load_session;
using lab::run_load_session;
using report::threshold;

namespace {

struct load_cli {
  loadgen::load_options o;
  double rate = 0;
  std::string duration = "10s";
  std::string stages;
  std::string protocol = "langsmith";
  std::string endpoint = "batch";
  std::string pattern = "post-patch";
  CLI::Option* endpoint_given = nullptr;  ///< to tell a default from a choice OTLP or Langfuse refuses
  CLI::Option* pattern_given = nullptr;
  CLI::Option* project_given = nullptr;
  std::string runs_per_trace = "3";
  std::string trace_depth;
  std::string payload = "200";
  std::string inputs_size, outputs_size;
  std::string run_types{loadgen::run_type_mix::default_text};
  std::string compression = "none";
  std::string on_429 = "retry";
  std::string on_error = "retry";
  int timeout_ms = 30'000;
  int drain_ms = 10'000;
  std::string out;
  std::vector<std::string> thresholds;
  bool quiet = false;
  // Seeing behind the target (--stack / --config).
  config::loader stack;
  double probe_rate = 10;
  std::string probe = "clickhouse";
  std::string reconcile_timeout = "60s";
  std::string late_after = "10s";
  std::string group;  ///< empty: worker.group of the config (file, environment) or its default
  std::vector<std::string> metrics;
  std::int64_t id_salt = -1;
  // One of several generators.
  std::string segment;
  std::string start_at;
  // A read load beside the writes.
  double read_rate = 0;
  std::string read_mix = "get:60,trace:30,project:10";
  int read_connections = 8;
};

std::chrono::milliseconds parse_ms(const std::string& flag, const std::string& text) {
  auto d = config::parse_duration(text);
  if (!d) usage(flag + ": '" + text + "' is not a duration such as 500ms, 10s or 2m");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

template <typename T>
T parsed_or_usage(const std::string& flag, std::optional<T> v, const std::string& why) {
  if (!v) usage(flag + ": " + why);
  return std::move(*v);
}

/// What the bodies carry: shapes, sizes, types (loadgen/request_template.hpp).
void parse_body_mix(load_cli& c) {
  auto& b = c.o.body;
  std::string why;
  b.runs_per_trace =
      parsed_or_usage("--runs-per-trace", loadgen::count_range::parse(c.runs_per_trace, 1, 10000, &why), why);
  if (!c.trace_depth.empty())
    b.trace_depth = parsed_or_usage("--trace-depth", loadgen::count_range::parse(c.trace_depth, 2, 10000, &why), why);
  auto size = [&](const std::string& flag, const std::string& text) {
    return parsed_or_usage(flag, loadgen::size_distribution::parse(text, &why), why);
  };
  b.inputs_size = c.inputs_size.empty() ? size("--payload-bytes", c.payload) : size("--inputs-size", c.inputs_size);
  b.outputs_size =
      c.outputs_size.empty() ? size("--payload-bytes", c.payload) : size("--outputs-size", c.outputs_size);
  b.leaf_types = parsed_or_usage("--run-types", loadgen::run_type_mix::parse(c.run_types, &why), why);
  c.o.compression = c.compression == "gzip"   ? sink::body_compression::gzip
                    : c.compression == "zstd" ? sink::body_compression::zstd
                                              : sink::body_compression::none;
}

/// --segment and --start-at: which share of the schedule this generator
/// sends, and when every generator begins.
void parse_generator_share(load_cli& c) {
  std::string why;
  if (!c.segment.empty()) {
    auto s = loadgen::execution_segment::parse(c.segment, &why);
    if (!s) usage("--segment: " + why);
    if (c.o.concurrency > 0) usage("--segment splits a schedule: it needs --rate or --stages, not --concurrency");
    c.o.segment = *s;
    // Each generator's ids come from a key of its own even when all were
    // given one --id-salt: their runs never collide, and each reconciles
    // exactly its own (the merge counts them all).
    c.o.body.id_salt = loadgen::id_key(c.o.body.id_salt, s->index + 1);
  }
  if (!c.start_at.empty()) {
    auto t = config::parse_wall_time(c.start_at, &why);
    if (!t) usage("--start-at: " + why);
    c.o.start_at = *t;
  }
}

/// --protocol langfuse, and what it cannot carry: one ingestion batch per
/// request, events in no project of their own, observations that LangSmith's
/// read API does not serve.
void parse_langfuse(load_cli& c) {
  if (c.endpoint_given->count() > 0 && c.endpoint != "batch")
    usage("--endpoint " + c.endpoint + " is LangSmith's; --protocol langfuse sends one ingestion batch of --batch-size "
          "runs' events per request to /api/public/ingestion");
  if (c.project_given->count() > 0)
    usage("--project: a Langfuse event names no project; ingest files it under the API key's project (or "
          "ingest.default_project), where the reconcile looks");
  if (c.probe != "clickhouse" || c.read_rate > 0)
    usage("--probe api and --read-rate read runs through LangSmith's read API; Langfuse's observations are not runs");
  c.o.body.endpoint = loadgen::wire::batch;
}

/// --protocol, and what OTLP cannot carry: an export per request of
/// --batch-size spans, each its run's post with its end (no patches).
void parse_protocol(load_cli& c) {
  auto& b = c.o.body;
  b.protocol = c.protocol == "otlp-proto"  ? loadgen::protocol::otlp_proto
               : c.protocol == "otlp-json" ? loadgen::protocol::otlp_json
               : c.protocol == "langfuse"  ? loadgen::protocol::langfuse
                                           : loadgen::protocol::langsmith;
  if (b.protocol == loadgen::protocol::langsmith) return;
  if (b.protocol == loadgen::protocol::langfuse) return parse_langfuse(c);
  if (c.endpoint_given->count() > 0 && c.endpoint != "batch")
    usage("--endpoint " + c.endpoint + " is LangSmith's; --protocol " + c.protocol +
          " sends one trace export of --batch-size spans per request");
  if (c.pattern_given->count() > 0 && c.pattern != "post")
    usage("--pattern " + c.pattern + ": an OTLP span carries its run's start and end, so --protocol " + c.protocol +
          " posts each run once, never patches it (--pattern post)");
  b.endpoint = loadgen::wire::batch;
  b.pattern = loadgen::run_pattern::post;
}

int run_load_command(load_cli& c) {
  auto& o = c.o;
  std::string why;
  if (!c.stages.empty()) {
    auto s = loadgen::parse_stages(c.stages, &why);
    if (!s) usage("--stages: " + why);
    o.stages = *s;
  } else {
    auto d = config::parse_duration_ns(c.duration, &why);
    if (!d) usage("--duration: " + why);
    if (o.concurrency > 0 && c.rate > 0) usage("--concurrency (closed loop) and --rate (open loop) exclude each other");
    if (!(c.rate > 0) && o.concurrency == 0) usage("--rate (runs/s), --stages or --concurrency is required");
    o.stages = loadgen::constant_stages(o.concurrency > 0 ? 1 : c.rate, *d);
  }
  o.body.endpoint = c.endpoint == "single" ? loadgen::wire::single
                    : c.endpoint == "multipart" ? loadgen::wire::multipart
                                                : loadgen::wire::batch;
  o.body.pattern = c.pattern == "post" ? loadgen::run_pattern::post
                   : c.pattern == "combined" ? loadgen::run_pattern::combined
                                             : loadgen::run_pattern::post_patch;
  parse_protocol(c);
  parse_body_mix(c);
  o.retry = c.on_429 == "retry";
  o.retry_errors = c.on_error == "retry";
  o.request_timeout = std::chrono::milliseconds(c.timeout_ms);
  o.drain_timeout = std::chrono::milliseconds(c.drain_ms);
  std::vector<report::threshold> ts;
  for (const auto& t : c.thresholds) {
    auto parsed = report::threshold::parse(t, &why);
    if (!parsed) usage("--threshold: " + why);
    ts.push_back(*parsed);
  }
  o.progress = c.quiet ? loadgen::progress_mode::none
               : isatty(STDERR_FILENO) ? loadgen::progress_mode::line
                                       : loadgen::progress_mode::every_10s;
  o.body.id_salt = c.id_salt >= 0 ? static_cast<std::uint64_t>(c.id_salt) : fresh_id_salt();
  parse_generator_share(c);
  load_session session;
  session.reconcile_timeout = parse_ms("--reconcile-timeout", c.reconcile_timeout);
  session.late_after = parse_ms("--late-after", c.late_after);
  session.probe_rate = c.probe_rate;
  session.probe_clickhouse = c.probe != "api";
  session.probe_api = c.probe != "clickhouse";
  session.thresholds = std::move(ts);
  session.out = c.out;
  if (!c.stack.stack_dir().empty() || !c.stack.config_file().empty()) {
    auto settings = c.stack.load();
    if (!c.group.empty()) settings.worker.group = c.group;
    bool langfuse = o.body.protocol == loadgen::protocol::langfuse;
    if (langfuse) {  // where ingest's Langfuse route files the events: the key's project, else the default
      const auto* key = ingest::match_api_key(o.api_key, settings.ingest.api_keys);
      o.body.project = key && !key->project.empty() ? key->project : settings.ingest.default_project;
    }
    session.stack = observe::stack_target_of(settings, o.body.project);
    session.stack->langfuse = langfuse;
    session.metrics_urls = c.metrics;
  } else if (!c.metrics.empty()) {
    usage("--metrics needs --stack DIR or --config FILE (the pages are sampled with the rest of the write path)");
  }
  if (c.read_rate > 0) {
    loadgen::read_options reads;
    auto mix = loadgen::parse_read_mix(c.read_mix, &why);
    if (!mix) usage("--read-mix: " + why);
    reads.mix = *mix;
    reads.connections = c.read_connections;
    reads.timeout = o.request_timeout;
    session.reads = reads;
    session.reads_per_s = c.read_rate;
  }
  session.options = o;
  return run_load_session(session, stop_flags_on_signals().requested).exit_code;
}

}  // namespace

void add_load_command(CLI::App& app, action& run) {
  static load_cli c;
  auto& o = c.o;
  auto* cmd = app.add_subcommand(
      "load",
      "Open-loop load generator: SDK-shaped runs at a constant rate (--rate) or in stages (--stages), latency "
      "from each request's intended send time (coordinated-omission corrected) and from its actual one. "
      "With --stack DIR (or --config FILE) it also watches the write path behind the target: queue depth, "
      "ClickHouse parts, a visibility probe, and at the end a reconcile of every acknowledged run (lost, "
      "duplicates, late). Exit 0 ok, 1 runtime failure, 2 usage, 3 a --threshold failed");
  cmd->add_option("--target", o.target, "Base URL of the ingest API")->capture_default_str();
  cmd->add_option("--rate", c.rate, "Runs per second (constant); requests/s = rate / --batch-size");
  cmd->add_option("--duration", c.duration, "How long to hold --rate (30s, 2m, 1m30s)")->capture_default_str();
  cmd->add_option("--stages", c.stages, "Instead of --rate: k6-style ramps in runs/s, e.g. 30s:500,2m:5000,30s:0");
  cmd->add_option("--protocol", c.protocol,
                  "Whose API the requests speak: langsmith (the run endpoints, --endpoint and --pattern), "
                  "otlp-proto or otlp-json (OTLP/HTTP trace exports to /otel/v1/traces, protobuf or JSON: the same "
                  "traces, shapes and sizes, each run a span carrying its end, so one post per run and no patches; "
                  "200 is accepted unless its partial_success refuses spans), or langfuse (Langfuse v3 ingestion "
                  "batches to /api/public/ingestion, Basic pk-tracepipe-load:--api-key: each root a trace-create, "
                  "each run a span- or generation-create (llm) and, by --pattern, its -update; 207 is accepted unless "
                  "its errors name events; the events land in the key's project)")
      ->capture_default_str()
      ->check(CLI::IsMember({"langsmith", "otlp-proto", "otlp-json", "langfuse"}));
  c.endpoint_given = cmd->add_option("--endpoint", c.endpoint, "Wire format (--protocol langsmith)")
                         ->capture_default_str()
                         ->check(CLI::IsMember({"batch", "multipart", "single"}));
  cmd->add_option("--batch-size", o.body.runs_per_request, "Runs per request (batch, multipart; single: 1)")
      ->capture_default_str()
      ->check(CLI::Range(1, loadgen::request_plan::max_slots - 1));
  c.pattern_given =
      cmd->add_option("--pattern", c.pattern,
                      "post-patch: each request posts its runs and patches the previous request's (the SDK's post at "
                      "start, patch at end); post: posts only; combined: post and patch of a run in one request. "
                      "OTLP: post, always. Langfuse: creates as posts, -updates as patches (post: creates carrying "
                      "their end)")
          ->capture_default_str()
          ->check(CLI::IsMember({"post-patch", "post", "combined"}));
  cmd->add_option("--runs-per-trace", c.runs_per_trace,
                  "Runs per trace: N, or MIN-MAX drawn per trace (e.g. 1-20). A trace is cut where a request's runs "
                  "end (--endpoint single sends roots only)")
      ->capture_default_str();
  cmd->add_option("--trace-depth", c.trace_depth,
                  "Levels of a trace at most, the root's included: N or MIN-MAX drawn per trace (e.g. 2 = a root "
                  "and its children; 2-5); each run is the child of a random earlier run less deep. Default: a "
                  "chain, each run the child of the previous one");
  cmd->add_option("--inputs-size", c.inputs_size,
                  "Size of each run's inputs, drawn per run: 2KB (fixed), 1KB-20KB (uniform), "
                  "lognormal:median=2KB,sigma=1.2[,max=1MB], or a mix 80%:1KB,19%:20KB,1%:1MB (percentages sum to "
                  "100, sizes may be ranges). KB = 1000 B, KiB = 1024 B, MB = 10^6 B, MiB = 2^20 B. Default: "
                  "--payload-bytes");
  cmd->add_option("--outputs-size", c.outputs_size, "Size of each run's outputs, as --inputs-size");
  cmd->add_option("--payload-bytes", c.payload, "Shorthand for --inputs-size and --outputs-size both (e.g. 200, "
                                                "100-2000, 80%:1KB,20%:20KB)")
      ->capture_default_str();
  cmd->add_option("--run-types", c.run_types,
                  "run_type of leaf runs by relative weight (e.g. llm:50,chain:30,tool:20; types: chain llm tool "
                  "retriever embedding prompt parser); runs with children are chains. Names follow the type "
                  "(ChatOpenAI, search, VectorStoreRetriever, …)")
      ->capture_default_str();
  cmd->add_option("--ring", o.body.ring,
                  "Distinct request bodies (templates), sent round robin with fresh ids. 0: enough for 2000 sampled "
                  "runs so the size, shape and type mixes show, but at most ~512 MiB of templates (a 1% tail of "
                  "1 MB fields makes each 100-run body ~3 MB)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--compression", c.compression,
                  "Request bodies compressed after their ids are stamped, sent with Content-Encoding: gzip or zstd "
                  "at their fastest level, on the sending thread (gzip costs ~10x zstd's CPU: with large bodies it "
                  "can become the generator's limit, which corrected latency shows)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "gzip", "zstd"}));
  cmd->add_option("--seed", o.body.seed, "Seed of the generated runs and ids")->capture_default_str();
  cmd->add_option("--api-key", o.api_key, "Sent as x-api-key (Langfuse: the Basic secret)")->envname("TRACEPIPE_API_KEY");
  cmd->add_option("--concurrency", o.concurrency,
                  "Closed loop instead of a rate, for comparison: N connections each sending its next request the "
                  "moment its answer arrives, for --duration (latency then hides queueing: coordinated omission)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--connections", o.connections, "Keep-alive connections in the pool")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--max-queue", o.max_queue, "Requests waiting for a free connection; beyond, dropped")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--on-429", c.on_429, "429/503: retry after Retry-After as the JS SDK does, or count as dropped")
      ->capture_default_str()
      ->check(CLI::IsMember({"retry", "drop"}));
  cmd->add_option("--on-error", c.on_error,
                  "No answer (connection refused or reset, timeout): resend after 250 ms doubling to 8 s as the SDKs "
                  "do (a request that landed unanswered then lands twice), or count as dropped")
      ->capture_default_str()
      ->check(CLI::IsMember({"retry", "drop"}));
  cmd->add_option("--max-retries", o.max_retries, "Retries of one request, on 429/503 and on errors together")
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
  cmd->add_option("--out", c.out,
                  "Directory for summary.json, timeseries.csv, report.html and acknowledged_ops.txt (what `tracepipe "
                  "report merge` needs to merge several generators' runs)");
  cmd->add_option("--segment", c.segment,
                  "I/N: this is generator I (from 0) of N sharing one schedule, as k6's execution segments: it sends "
                  "requests I, I+N, I+2N, … of --rate/--stages (so 1/N of the rate), with run ids of its own. Start "
                  "all N with the same flags and --start-at, then `tracepipe report merge` their --out directories");
  cmd->add_option("--start-at", c.start_at,
                  "When the schedule's second 0 is, on the wall clock: 2026-12-07T16:00:00Z (UTC) or seconds since the "
                  "epoch. The generator waits until then, so several begin together; more than 1 s late is an error");
  cmd->add_option("--threshold", c.thresholds,
                  "Pass/fail, repeatable: 'http_p99<200ms', 'errors==0', 'rate_ratio>=0.99' (metrics: http_p50 "
                  "http_p90 http_p99 http_p999 http_max http_mean [+_uncorrected], sent accepted errors dropped "
                  "rejected rejected_429 rejected_5xx retries achieved_rate target_rate rate_ratio error_ratio)");
  cmd->add_flag("--quiet", c.quiet, "No progress on stderr");
  c.project_given = cmd->add_option("--project", o.body.project, "Project the runs carry (Langfuse: the key's)")
                        ->capture_default_str();
  cmd->add_option("--id-salt", c.id_salt,
                  "Mixed into run ids; default: fresh per run, so a repeated --seed never reuses ids (the salt "
                  "used is in summary.json's config)");
  cmd->add_option("--probe-rate", c.probe_rate,
                  "With --stack: accepted runs per second polled in ClickHouse until visible (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--read-rate", c.read_rate,
                  "Reads per second beside the writes, over the same schedule (open loop, own corrected latency, "
                  "errors and 429s in summary.json's \"reads\"; thresholds read_p99<…, read_error_ratio<…): what "
                  "users reading the platform do to the same ClickHouse. With --segment I/N, this generator reads "
                  "1/N of it")
      ->check(CLI::Range(0.0, 100000.0));
  cmd->add_option("--read-mix", c.read_mix,
                  "What the reads are, by weight: get (GET /runs/{id} of a run acknowledged a moment ago), trace "
                  "(POST /runs/query {trace}), project (POST /runs/query {session}, after GET /sessions?name=)")
      ->capture_default_str();
  cmd->add_option("--read-connections", c.read_connections, "Reads in flight at most (each its own connection)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--probe", c.probe,
                  "Where the visibility probes look: clickhouse (with --stack: the runs table, a random replica), api "
                  "(GET /runs/{id} on the target until the run comes back with its patch — as a user sees it; any "
                  "LangSmith-compatible endpoint, with or without --stack: summary.json's visible_api_ms, thresholds "
                  "visible_api_p99<…), or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"clickhouse", "api", "both"}));
  cmd->add_option("--reconcile-timeout", c.reconcile_timeout,
                  "With --stack: after the load, wait this long for every acknowledged run to reach ClickHouse "
                  "(0: skip the reconcile)")
      ->capture_default_str();
  cmd->add_option("--late-after", c.late_after, "With --stack: a run whose received → inserted lag exceeds this is late")
      ->capture_default_str();
  cmd->add_option("--group", c.group,
                  "With --stack: the workers' Redis consumer group, whose pending entries and lag are sampled "
                  "(default: worker.group from --config / TRACEPIPE_WORKER_GROUP, else tracepipe-sink)");
  cmd->add_option("--metrics", c.metrics,
                  "With --stack: a tracepipe /metrics page to sample once a second, http://HOST:PORT[/PATH] "
                  "(repeatable: an ingest and each standalone worker; the pages add up). Default: the target's own "
                  "/metrics when the target is tracepipe (serve shows its workers' figures there too)");
  c.stack.add_flags(*cmd, {config::section::redis, config::section::clickhouse});
  cmd->callback([&run] {
    run = [] { return run_load_command(c); };
  });
}

}  // namespace tracepipe::tools

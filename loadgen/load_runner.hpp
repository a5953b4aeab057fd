#pragma once
// `tracepipe load` as a library function: one io_context thread holds an
// open-loop schedule (pacer + steady_timer), stamps pre-built request bodies
// with fresh run ids, and sends them over a pool of keep-alive Beast
// connections. A request that finds no free connection waits in a bounded
// queue, and that wait counts: latency is measured from the intended send
// time (corrected) as well as from the actual one (uncorrected).
#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_result.hpp"
#include "loadgen/progress.hpp"
#include "loadgen/read_load.hpp"
#include "loadgen/request_template.hpp"
#include "loadgen/run_watcher.hpp"
#include "loadgen/schedule.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::loadgen {

struct load_options {
  std::string target = "http://127.0.0.1:8080";  ///< base URL; a path prefix such as /api/v1 is kept
  /// The plan in runs per second (k6-style stages; a constant rate is one
  /// zero-length step stage and one stage of the duration, see constant_stages).
  std::vector<stage> stages;
  /// One of several generators (`--segment I/N`): this one sends requests
  /// I, I + N, I + 2N, … of the stages' schedule; the others send the rest.
  execution_segment segment;
  /// Set: the schedule's second 0, on the wall clock, so generators on
  /// several machines begin together (`--start-at`). run_load waits for it,
  /// and refuses one more than a second past.
  std::optional<std::chrono::system_clock::time_point> start_at;
  body_options body;
  int connections = 32;
  /// > 0: closed loop instead (for comparison): this many connections, each
  /// sending its next request as soon as its answer arrives, for the stages'
  /// length; no schedule, so no target rate and corrected ≈ uncorrected.
  int concurrency = 0;
  std::size_t max_queue = 100000;  ///< HTTP requests waiting for a connection; beyond, dropped
  bool retry = true;               ///< 429/503: wait Retry-After and resend (JS SDK), else count as dropped
  /// No answer (connection refused or reset, timeout): resend after a backoff
  /// of 250 ms doubling to 8 s, as the SDKs retry network errors; else dropped.
  bool retry_errors = true;
  int max_retries = 4;               ///< of one request, 429/503 and errors together
  double default_retry_after_s = 10;  ///< when the header is absent or not a number of seconds
  std::string api_key;
  /// Request bodies compressed after stamping, sent with Content-Encoding.
  sink::body_compression compression = sink::body_compression::none;
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds drain_timeout{10'000};  ///< after the schedule, for in-flight requests and retries
  progress_mode progress = progress_mode::none;
  std::ostream* progress_out = nullptr;  ///< where progress goes (stderr in the tool)
  const std::atomic<bool>* stop = nullptr;  ///< set from a signal handler: end the schedule now, drain, report
  run_watcher* watch = nullptr;  ///< with --stack: gets started with the schedule, and probes of accepted runs
  read_targets* reads_of = nullptr;  ///< with a read load: gets each accepted request's first run
  /// Called on the load's thread once the schedule's second 0 is fixed
  /// (a scenario times its phases' actions from it); must not block.
  std::function<void(std::chrono::steady_clock::time_point)> on_start;
};

/// Runs the load to completion. Throws std::runtime_error when the target
/// cannot be reached at start (the message names it) or the options are
/// inconsistent; everything after that is counted, never thrown.
load_result run_load(const load_options& options);

/// What was asked for, as summary.json's "config" (keys in a fixed order):
/// enough to run the same load again. `body` is the plan's, after defaults
/// were resolved (such as the ring's size).
boost::json::object config_entries(const load_options& o, const body_options& body);

/// What the result says of the load asked for, before a request is sent:
/// its length, rates, target, config and segment. `plan` is this
/// generator's schedule in requests (its segment's share); closed loop: no target rate.
void describe_load(load_result& r, const load_options& o, const body_options& body, const schedule& plan, bool closed);

}  // namespace tracepipe::loadgen

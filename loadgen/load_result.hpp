#pragma once
// What a load run measured: the result model that the load runner fills,
// observe/ completes with what it saw behind the target, and report/ writes
// (summary.json, timeseries.csv) and judges (thresholds).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "loadgen/component_figures.hpp"
#include "loadgen/histogram.hpp"
#include "loadgen/run_ids.hpp"

namespace tracepipe::loadgen {

/// One second of the run (row of timeseries.csv). Counts are HTTP requests
/// except offered_runs / sent_runs.
struct second_row {
  std::uint64_t second = 0;  ///< since start, the second that ended
  std::uint64_t offered_runs = 0, sent_runs = 0;
  std::uint64_t sent = 0, accepted = 0, rejected_429 = 0, rejected_5xx = 0, rejected_other = 0, errors = 0;
  std::uint64_t p99_us = 0;  ///< corrected latency of the responses in that second
  std::uint64_t accepted_runs = 0;
  // Seen behind the target (--stack); empty when not measured.
  std::optional<std::uint64_t> inserted_runs;   ///< posts of this load first inserted in that second
  std::optional<double> lag_p50_ms, lag_p99_ms;  ///< received → inserted, of the operations inserted in that second
  std::optional<double> visible_p99_ms;          ///< of the probes sent in that second
  std::optional<std::uint64_t> queue_depth;
  std::optional<std::uint64_t> clickhouse_parts;  ///< most active parts of one partition
  component_figures components;                   ///< the columns of component_columns
};

/// What a reconcile looks up of one load: its id key and the distinct run
/// operations its accepted requests carried, sorted. Loads of several
/// generators have keys of their own, so their sets never overlap (OTLP
/// loads' ids carry no key: their generators' request numbers differ).
struct acknowledged_ops {
  std::uint64_t id_key = 0;
  std::vector<op_key> ops;
  id_form ids = id_form::uuid;  ///< span: an OTLP load's, langfuse: a Langfuse load's (run_ids.hpp)
};

/// What a load run with --stack saw behind the target.
struct stack_figures {
  // reconcile (see reconcile.hpp); all zero when it did not run
  bool reconciled = false;
  std::uint64_t expected = 0, found = 0, lost = 0, duplicates = 0, late = 0, unacknowledged = 0;
  bool timed_out = false;
  double waited_s = 0;
  double late_after_ms = 0;
  histogram lag_us;      ///< received → first inserted, per acknowledged operation found
  // visibility probe
  histogram visible_us;  ///< sent → first seen in ClickHouse (a random replica's), per probe
  std::uint64_t probes = 0, probes_not_visible = 0;
  // replicated ClickHouse only (replicas > 0)
  std::size_t replicas = 0;
  histogram visible_all_us;      ///< sent → seen on every replica, per probe
  histogram replication_lag_us;  ///< on the first replica that had it → on every replica
  std::uint64_t probes_not_on_every_replica = 0;
  // components, per-second maxima
  std::optional<std::uint64_t> queue_depth_max, clickhouse_parts_max;
  std::uint64_t observer_errors = 0;
  std::string error;     ///< the last thing that could not be read, empty when none
};

/// A named stretch of the schedule (a scenario's phase): summary.json's
/// "phases", drawn as boundaries on every chart of report.html.
struct run_phase {
  std::string name;
  double start_s = 0, end_s = 0;
};

/// What the read load beside the write load measured (`--read-rate`,
/// loadgen/read_load.hpp).
struct read_figures {
  double target_rate = 0, achieved_rate = 0;  ///< reads/s planned; sent / the schedule's length
  std::string mix;                            ///< "get:60,trace:30,project:10"
  std::uint64_t offered = 0, sent = 0, dropped = 0;
  std::uint64_t ok = 0;         ///< 200
  std::uint64_t not_found = 0;  ///< 404: acknowledged, not visible yet (the write path's lag, not a failure)
  std::uint64_t errors = 0;     ///< no answer
  std::map<unsigned, std::uint64_t> rejected;    ///< other statuses (429 …)
  std::map<std::string, std::uint64_t> by_kind;  ///< sent, per kind of read
  histogram corrected, uncorrected;              ///< µs, from the intended and from the actual send
  struct second {
    std::uint64_t sent = 0, ok = 0, rejected_429 = 0, failed = 0;  ///< ok includes 404
    std::vector<std::uint32_t> latency_us;                           ///< corrected, of those answered
  };
  std::vector<second> seconds;  ///< by intended second of the schedule

  std::uint64_t rejected_total() const;
};

/// Visibility through the API (`--probe api`): sent → GET /runs/{id}
/// returned the run (with its patch), per probe.
struct api_visibility {
  histogram visible_us;
  std::uint64_t probes = 0, not_visible = 0;  ///< not visible: given up on after the probe's limit
  std::uint64_t errors = 0;                   ///< polls without an answer or with a status other than 200/404
};

struct load_result {
  double duration_s = 0;      ///< the schedule's length
  double elapsed_s = 0;       ///< schedule plus draining of what was in flight
  double target_rate = 0;     ///< runs/s planned (mean over the schedule)
  double achieved_rate = 0;   ///< runs sent (first attempts) within the schedule / its length
  int runs_per_request = 0;
  // HTTP requests; after draining, sent == accepted + Σ rejected + errors.
  std::uint64_t offered = 0;   ///< requests the schedule made due
  std::uint64_t sent = 0;      ///< attempts written, retries included
  std::uint64_t retries = 0;   ///< of which retries after 429/503
  std::uint64_t accepted = 0;  ///< 2xx
  std::map<unsigned, std::uint64_t> rejected;  ///< other statuses
  std::uint64_t errors = 0;    ///< transport failures (connect, write, read, timeout)
  std::uint64_t dropped = 0;   ///< never accepted: queue overflow, retries exhausted or disabled, drain timeout
  // Runs and run operations (posts + patches).
  std::uint64_t runs_offered = 0, runs_sent = 0, runs_accepted = 0, operations_sent = 0, operations_accepted = 0;
  histogram corrected;    ///< µs, response time − intended send time (coordinated-omission corrected)
  histogram uncorrected;  ///< µs, response time − actual send time of that attempt
  std::vector<second_row> timeseries;
  std::string target;
  boost::json::object config;  ///< summary.json's "config": what was asked for, in order
  std::uint64_t start_wall_us = 0;                ///< the schedule's second 0, µs since the epoch
  std::vector<accepted_request> accepted_requests;
  /// What accepted_requests carried: one set per generator (several once merged).
  std::vector<acknowledged_ops> acknowledged;
  std::string segment = "0/1";  ///< of several generators (execution_segment::text); merged: "0/2+1/2"
  std::optional<stack_figures> stack;             ///< with --stack
  std::vector<run_phase> phases;                  ///< empty unless a scenario named them
  std::optional<read_figures> reads;              ///< with --read-rate
  std::optional<api_visibility> api_probe;        ///< with --probe api

  std::uint64_t rejected_total() const;
  std::uint64_t rejected_5xx() const;
};

}  // namespace tracepipe::loadgen

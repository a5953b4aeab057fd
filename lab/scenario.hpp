#pragma once
// A scenario file (`tracepipe scenario run FILE`): a YAML list of phases,
// each with its load, the actions that change the system when it begins,
// and the expectations judged over its seconds. The whole file is read and
// checked before anything starts; a mistake names the file, line and key.
// Format: lab/scenarios/README.md.
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lab/expectation.hpp"
#include "loadgen/read_load.hpp"
#include "loadgen/request_template.hpp"
#include "loadgen/schedule.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {

using loadgen::body_options;
using loadgen::stage;

/// "FILE:LINE: KEY: what is wrong".
struct scenario_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A configuration key and its value as written (checked against config/).
using setting = std::pair<std::string, std::string>;

struct scenario_action {
  enum class kind {
    workers,    ///< restart the sink workers with `settings` (pipelines 0: stop them)
    component,  ///< `verb` the local stack's `component`
    throttle,   ///< `limit` on the local stack's ClickHouse `component` (cpu, merges, disk)
  };
  kind what = kind::workers;
  std::string verb;       ///< pause resume stop start kill
  std::string component;  ///< redis clickhouse s3
  std::vector<setting> settings;  ///< full key names (worker.batch_age …)
  stack::limit limit;             ///< throttle
  int line = 0;

  /// "pause clickhouse", "workers worker.pipelines=8 worker.batch_age=200ms",
  /// "throttle clickhouse cpu 0.25".
  std::string describe() const;
  /// Acts on a process of the local stack (not possible on remote servers).
  bool needs_local_stack() const { return what != kind::workers; }
};

struct scenario_expectation {
  expectation e;
  int line = 0;
};

struct scenario_phase {
  std::string name;
  std::vector<stage> stages;  ///< runs per second
  double read_rate = 0;       ///< reads per second beside the writes (`read_rate:`)
  std::vector<scenario_action> actions;
  std::vector<scenario_expectation> expect;

  std::chrono::nanoseconds duration() const;
};

struct scenario {
  std::string file;
  std::string name;
  std::string description;
  body_options body;           ///< `load:` (endpoint, batch_size, sizes, seed …)
  int connections = 32;
  loadgen::read_mix read_mix;     ///< `load: read_mix:`, for phases with a read_rate
  int read_connections = 8;       ///< `load: read_connections:` reads in flight at most
  std::vector<setting> settings;  ///< applied before the write path starts
  /// LangSmith's REDIS_RUNS_EXPIRY_SECONDS as this deployment sets it: run
  /// operations that waited longer in the queue are counted as would_expire.
  std::optional<std::chrono::milliseconds> redis_expiry;
  bool needs_async_insert = false;  ///< `requires: [async_insert]` (ClickHouse 21.11+)
  /// `clickhouse_replicas:` the ClickHouse the scenario needs: 1 a single
  /// server; N > 1 ZooKeeper and N replicas (its actions may name
  /// zookeeper and clickhouse:1 … clickhouse:N).
  int clickhouse_replicas = 1;
  std::vector<scenario_phase> phases;
  std::vector<scenario_expectation> expect;  ///< over the whole run

  /// Every phase's stages, in order: the load's plan.
  std::vector<stage> stages() const;
  /// The read load's plan, a step per phase; empty when no phase reads.
  std::vector<stage> read_stages() const;
  /// The phase's window in seconds since the start, and `drain` (after the
  /// last phase, while the pipeline empties) and `all`.
  std::map<std::string, time_window, std::less<>> windows() const;
  bool needs_local_stack() const;
  /// The file's expectations: every phase's and the whole run's.
  std::size_t expectation_count() const;
};

/// Run figures an expectation may name (see metric_value in report.hpp),
/// plus would_expire.
bool is_run_figure(std::string_view name);

/// Reads and checks the file; every duration in it (phases, stages,
/// redis_expiry) is multiplied by time_scale (a short form of the same
/// scenario) and rounded to whole seconds, at least 1 s. Throws
/// scenario_error.
scenario parse_scenario(std::string_view yaml, std::string_view file, double time_scale = 1);
scenario load_scenario_file(const std::string& path, double time_scale = 1);

}  // namespace tracepipe::lab

#pragma once
// One load run from the first request to the report, shared by `tracepipe
// load` and `tracepipe demo`: the schedule, then (with the stack in view)
// the drain and reconcile, thresholds, summary.json, timeseries.csv,
// report.html, and the summary table on stdout.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "loadgen/load_runner.hpp"
#include "observe/stack_target.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::lab {

struct load_session {
  loadgen::load_options options;                 ///< stop and progress_out are set by run_load_session
  std::optional<observe::stack_target> stack;    ///< set: observe the write path and reconcile
  double probe_rate = 10;                        ///< visibility probes per second
  bool probe_clickhouse = true;                  ///< with the stack: probes poll ClickHouse
  bool probe_api = false;                        ///< probes poll GET /runs/{id} on the target (any stack or none)
  /// tracepipe /metrics pages sampled with the stack; empty: the target's own, if it has one.
  std::vector<std::string> metrics_urls;
  std::chrono::milliseconds reconcile_timeout{60'000};  ///< 0: no reconcile
  std::chrono::milliseconds late_after{10'000};
  std::vector<report::threshold> thresholds;
  std::string out;                               ///< directory for the files; empty: none
  std::vector<loadgen::run_phase> phases;        ///< marked on the report's charts
  /// Set: a read load beside the write load (its target, key and project
  /// are the write load's; empty stages: reads_per_s over the write schedule).
  std::optional<loadgen::read_options> reads;
  double reads_per_s = 0;
  /// Called as soon as the schedule ends (or is stopped), before the drain
  /// and the reconcile (a scenario ends its actions there).
  std::function<void()> after_schedule;
  /// More verdicts, judged once the run (and its reconcile) is complete and
  /// before the files are written (a scenario's expectations).
  std::function<std::vector<report::threshold_outcome>(const loadgen::load_result&)> judge;
};

/// Writes `text` to `path` whole; throws std::runtime_error naming it.
void write_file(const std::filesystem::path& path, const std::string& text);

/// A run's files in `dir`: summary.json, timeseries.csv, report.html, and
/// acknowledged_ops.txt (what `tracepipe report merge` reconciles); throws
/// std::runtime_error naming a file that cannot be written.
void write_run_files(const std::filesystem::path& dir, const loadgen::load_result& r,
                     const std::vector<report::threshold_outcome>& outcomes);

/// Each failed threshold on stderr; 3 when one failed, else 0.
int exit_code_of(const std::vector<report::threshold_outcome>& outcomes);

/// The run's summary on stdout, as `tracepipe load` prints it.
void print_summary(const loadgen::load_result& r);

/// A salt for run ids that differs between runs (see loadgen/run_ids.hpp).
std::uint64_t fresh_id_salt();

/// What a session measured and how it was judged.
struct session_result {
  loadgen::load_result result;  ///< with its stack figures when the stack was watched
  std::vector<report::threshold_outcome> outcomes;
  int exit_code = 0;            ///< 0, or 3 when a threshold failed
};

/// Runs the session; `stop` (set by a signal) ends the schedule early and
/// cuts the reconcile short — the report is still written. Throws
/// std::runtime_error when the target or the stack cannot be reached at start.
session_result run_load_session(load_session& session, std::atomic<bool>& stop);

}  // namespace tracepipe::lab

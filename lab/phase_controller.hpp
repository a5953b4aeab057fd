#pragma once
// A scenario's live actions (lab/scenario_runner.hpp): each phase's
// actions applied when the phase begins, on a thread of their own, timed
// from the load's second 0 — workers restarted with new knobs, processes of
// the local stack paused, stopped, killed, started, its ClickHouse
// throttled. finish() brings back what the scenario left down or limited
// (components, stopped workers, limits) so the drain and reconcile that
// follow see a whole write path.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "lab/local_write_path.hpp"
#include "lab/scenario.hpp"

namespace tracepipe::lab {

/// What became of one action.
struct applied_action {
  std::string phase;   ///< "(end)": brought back by finish()
  std::string action;
  int line = 0;
  double at_s = 0;     ///< since the load's start (phase 1's: before it, 0)
  std::string status;  ///< applied, skipped, failed
  std::string note;
};

/// Applies one scenario setting to `s` (worker.pipelines 0: workers stopped,
/// which the key table's range does not allow).
void apply_setting(config::settings& s, const lab::setting& kv);

class phase_controller {
 public:
  /// `workers`: the settings the workers started with; `stack_actions`:
  /// the servers are the local stack in `stack_dir` (else such actions are
  /// recorded as skipped).
  phase_controller(const lab::scenario& sc, local_write_path& path, config::settings workers,
                   std::string stack_dir, bool stack_actions);
  ~phase_controller();
  phase_controller(const phase_controller&) = delete;
  phase_controller& operator=(const phase_controller&) = delete;

  /// The first phase's actions, before the load starts.
  void apply_first();
  /// Starts the thread that applies the later phases at their times.
  void begin(std::chrono::steady_clock::time_point start);
  /// No later action; components left paused or stopped come back, CPU and
  /// disk limits left in force are lifted, and workers left stopped (pipelines 0) start
  /// again as they first were.
  /// Idempotent.
  void finish();

  /// Lifts what finish() leaves: limits that restart a server (merge
  /// threads), once the drain and the reconcile no longer read from it.
  void lift_restarting_limits();

  std::vector<applied_action> log() const;

 private:
  void apply_phase(std::size_t i, double at_s);
  void component_action(const lab::scenario_action& a);
  template <class Fn>
  void restore(std::string action, Fn fn);
  void record(applied_action rec);
  /// Lifts the limits in force that restart a server (`restarting`) or not.
  void lift_limits(bool restarting);

  const lab::scenario& sc_;
  local_write_path& path_;
  config::settings workers_;  ///< what the workers run with now
  int first_pipelines_;       ///< what finish() restarts stopped workers with
  std::string stack_dir_;
  bool stack_actions_;
  std::set<std::string> paused_, stopped_;
  /// Limits in force, by "component resource": lifted by finish().
  std::map<std::string, std::pair<std::string, stack::limit>> limited_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  mutable std::mutex log_mutex_;
  std::vector<applied_action> log_;
};

}  // namespace tracepipe::lab

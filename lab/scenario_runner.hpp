#pragma once
// `tracepipe scenario run`: a scenario file (lab/scenario.hpp) played
// against a write path in this process — one continuous load whose phases
// change the system as they begin (workers restarted with new knobs, stack
// components paused, stopped, killed) — then judged: the load's report with
// the phases marked on every chart, and a verdict per expectation.
#include <string>

#include "lab/stop_flags.hpp"

namespace tracepipe::lab {

struct scenario_run_options {
  std::string file;
  std::string out;          ///< default: STACK/scenario-<name>
  std::string stack_dir;    ///< a running local stack; empty with config_file: remote servers
  std::string config_file;  ///< servers of the user's own (Redis, ClickHouse, S3)
  double time_scale = 1;    ///< every duration of the file × this (a short form)
  bool skip_stack_actions = false;  ///< remote servers: skip actions on stack processes instead of refusing
  bool keep_stack = false;
};

/// Exit codes: 0 every expectation held, 3 one failed (or an action could
/// not be applied), 4 the servers lack what the scenario requires (said in
/// one sentence), 130 interrupted. Throws lab::scenario_error or
/// CLI::ValidationError (usage, exit 2) before anything starts, and
/// std::runtime_error on a runtime failure.
int run_scenario(scenario_run_options options, stop_flags& stop);

}  // namespace tracepipe::lab

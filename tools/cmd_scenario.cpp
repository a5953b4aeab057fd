// `tracepipe scenario run FILE` and `tracepipe scenario check FILE`: the
// backpressure lab's scenarios (lab/scenarios/README.md).
#include <iostream>

#include <fmt/format.h>

#include "lab/scenario.hpp"
#include "lab/scenario_runner.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

namespace tracepipe::tools {

using lab::run_scenario;
using lab::scenario;
using lab::scenario_run_options;

namespace {

/// Scenario mistakes are usage errors (exit 2): the message names file, line and key.
int or_usage(const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const lab::scenario_error& e) {
    std::cerr << "tracepipe scenario: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

void add_scenario_command(CLI::App& app, action& run) {
  static scenario_run_options c;
  auto* scenario = app.add_subcommand(
      "scenario", "Backpressure lab: play a scenario file of phases (load, live actions, expectations) against the "
                  "write path and judge it");
  scenario->require_subcommand(1);
  auto* cmd = scenario->add_subcommand(
      "run",
      "Runs the scenario: ingest and sink workers in this process against the local stack (--stack DIR, or one "
      "started in a temp dir) or your own servers (--config FILE), on fresh tables and streams; one continuous "
      "load whose phases change the system as they begin (workers restarted with new knobs, ClickHouse/Redis/S3 "
      "of the local stack paused, stopped, killed, started); what it leaves down comes back when the load ends, "
      "before the drain and the reconcile. Writes the load's report (phases marked on every "
      "chart, a verdict per expectation) and scenario.json under --out. Exit 0 every expectation held, 3 one "
      "failed, 2 a bad file or flag (before anything starts), 4 the servers lack what the scenario requires, "
      "1 a runtime failure, 130 interrupted");
  cmd->add_option("file", c.file, "Scenario YAML file (see lab/scenarios/)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", c.out, "Output directory (default: STACK/scenario-NAME)");
  cmd->add_option("--stack", c.stack_dir, "A running local stack (`tracepipe stack up --dir DIR`)");
  cmd->add_option("--config", c.config_file,
                  "YAML settings naming your own Redis, ClickHouse and S3 (then actions on stack processes are "
                  "refused, or skipped with --skip-stack-actions)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--time-scale", c.time_scale,
                  "Multiply every duration of the file (phases, stages, redis_expiry) by this: 0.25 plays a short "
                  "form; each is rounded to whole seconds, at least 1 s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--skip-stack-actions", c.skip_stack_actions,
                "Against servers that are not the local stack: skip pause/resume/stop/start/kill (recorded as "
                "skipped) instead of refusing the scenario");
  cmd->add_flag("--keep-stack", c.keep_stack, "Leave the stack this command started running afterwards");
  cmd->callback([&run] {
    run = [] { return or_usage([] { return run_scenario(c, stop_flags_on_signals()); }); };
  });

  static std::string check_file;
  static double check_scale = 1;
  auto* check = scenario->add_subcommand(
      "check", "Reads and checks a scenario file without running it: prints its phases (exit 0) or the first "
               "mistake with its line and key (exit 2)");
  check->add_option("file", check_file, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  check->add_option("--time-scale", check_scale, "As for run")->capture_default_str()->check(CLI::PositiveNumber);
  check->callback([&run] {
    run = [] {
      return or_usage([] {
        auto sc = lab::load_scenario_file(check_file, check_scale);
        std::cout << fmt::format("{}: {} phases{}\n", sc.name, sc.phases.size(),
                                 sc.needs_async_insert ? " (requires async inserts, ClickHouse 21.11+)" : "");
        auto windows = sc.windows();
        for (const auto& p : sc.phases)
          std::cout << fmt::format("  {:>6.0f} s – {:>6.0f} s  {}  ({} actions, {} expectations)\n",
                                   windows[p.name].start_s, windows[p.name].end_s, p.name, p.actions.size(),
                                   p.expect.size());
        std::cout << fmt::format("  {} expectations{}\n", sc.expectation_count(),
                                 sc.needs_local_stack() ? "; acts on local stack processes" : "");
        return 0;
      });
    };
  });
}

}  // namespace tracepipe::tools

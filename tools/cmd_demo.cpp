// `tracepipe demo`: the main job end to end on one machine — the local
// stack, the whole write path in this process (ingest + sink workers), a
// ~30 s staged load with a realistic payload mix watched behind the target,
// the summary table and report.html, the stack stopped again.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "lab/load_session.hpp"
#include "lab/local_write_path.hpp"
#include "stack/stack.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

#include "observe/reconcile.hpp"

namespace tracepipe::tools {

using lab::fresh_id_salt;
using lab::fresh_temp_dir;
using lab::load_session;
using lab::local_stack;
using lab::local_write_path;
using lab::run_load_session;

namespace {

struct demo_cli {
  std::string dir;
  std::string out;
  std::string stages = "5s:3000,20s:3000,5s:0";
  int batch_size = 50;
  bool keep_stack = false;
  stack::options topology;  ///< dir set from `dir`
};

int run_demo(demo_cli& c) {
  if (c.dir.empty()) c.dir = fresh_temp_dir("demo");
  if (c.out.empty()) c.out = (std::filesystem::path(c.dir) / "report").string();
  std::string why;
  auto stages = loadgen::parse_stages(c.stages, &why);
  if (!stages) throw CLI::ValidationError("--stages: " + why);

  c.topology.dir = c.dir;
  local_stack stack(c.topology, c.keep_stack, "demo");
  config::loader loader;
  loader.set_stack_dir(c.dir);
  auto settings = loader.load();
  // On a cluster, two shard streams per master, as Langfuse shards its
  // queues 2-3x the Redis shards: every master gets work.
  if (c.topology.redis_masters > 0)
    settings.redis.shards = std::max(settings.redis.shards, 2 * c.topology.redis_masters);
  local_write_path path(settings);
  std::cerr << fmt::format("tracepipe demo: write path up (ingest on {}, {} sink pipelines)\n", path.url(),
                           settings.worker.pipelines);

  load_session session;
  auto& o = session.options;
  o.target = path.url();
  o.stages = *stages;
  o.body.runs_per_request = c.batch_size;
  // A realistic mix: mostly small chains of LLM and tool calls, a tail of
  // large prompts above the 20 KiB blob threshold (offloaded to S3).
  o.body.runs_per_trace = {2, 8};
  o.body.trace_depth = loadgen::count_range{2, 4};
  o.body.inputs_size = *loadgen::size_distribution::parse("80%:500B-2KB,18%:2KB-12KB,2%:25KB-80KB", &why);
  o.body.outputs_size = *loadgen::size_distribution::parse("85%:100B-1KB,15%:1KB-8KB", &why);
  o.body.id_salt = fresh_id_salt();
  o.connections = 16;
  o.progress = isatty(STDERR_FILENO) ? loadgen::progress_mode::line : loadgen::progress_mode::every_10s;
  session.stack = observe::stack_target_of(settings, o.body.project);
  session.probe_rate = 20;
  session.out = c.out;
  for (auto t : {"lost==0", "duplicates==0"}) session.thresholds.push_back(*report::threshold::parse(t));

  return run_load_session(session, stop_flags_on_signals().requested).exit_code;
}

}  // namespace

void add_demo_command(CLI::App& app, action& run) {
  static demo_cli c;
  auto* cmd = app.add_subcommand(
      "demo",
      "The main job end to end on this machine: start the local stack (Redis, ClickHouse, S3), run ingest and "
      "sink workers in this process, drive a ~30 s staged load of SDK-shaped runs at it while watching the queue, "
      "ClickHouse and visibility, reconcile every acknowledged run, print the summary and the path of "
      "report.html, stop the stack. Exit 0 ok, 3 when a run was lost or duplicated, 1 on failure");
  cmd->add_option("--dir", c.dir, "Stack directory (default: a new one under the temp dir; data stays after)");
  cmd->add_option("--out", c.out, "Report directory (default: DIR/report)");
  cmd->add_option("--stages", c.stages, "The load in runs/s, k6-style ramps")->capture_default_str();
  cmd->add_option("--batch-size", c.batch_size, "Runs per request")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_flag("--keep-stack", c.keep_stack, "Leave the stack running afterwards");
  add_topology_options(cmd, c.topology);
  cmd->callback([&run, cmd] {
    // A cluster gets a replica per master unless told otherwise: the layout Langfuse runs.
    if (c.topology.redis_masters > 0 && cmd->count("--redis-replicas") == 0) c.topology.redis_replicas = 1;
    run = [] { return run_demo(c); };
  });
}

}  // namespace tracepipe::tools

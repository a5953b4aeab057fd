#include "lab/scenario_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <tuple>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/json_document.hpp"
#include "config/loader.hpp"
#include "lab/load_session.hpp"
#include "lab/local_write_path.hpp"
#include "lab/phase_controller.hpp"
#include "lab/scenario.hpp"
#include "loadgen/load_result.hpp"
#include "observe/stack_queries.hpp"
#include "report/summary.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

/// Why the configured servers are not the local stack in `stack_dir` (only
/// then may actions touch its processes); nothing when they are.
std::optional<std::string> not_the_stack(const config::settings& s, const std::string& stack_dir) {
  if (stack_dir.empty()) return "no local stack was named (--stack DIR)";
  auto env = stack::read_env(stack_dir);
  for (auto [key, ours, stacks] : {std::tuple{"redis.url", s.redis.url, env["REDIS_URL"]},
                                   {"clickhouse.url", sink::urls_text(s.clickhouse), env["CLICKHOUSE_URLS"]},
                                   {"s3.endpoint", s.s3.endpoint, env["S3_ENDPOINT"]}})
    if (ours != stacks)
      return fmt::format("{} is {}, and the stack's in {} is {}", key, ours, stack_dir, stacks);
  return std::nullopt;
}

namespace json = boost::json;
using common::json_number;

/// Each phase with its window and the actions applied in it.
json::array phases_json(const lab::scenario& sc, const std::vector<applied_action>& actions) {
  json::array out;
  auto windows = sc.windows();
  for (const auto& p : sc.phases) {
    json::array acts;
    for (const auto& a : actions)
      if (a.phase == p.name)
        acts.push_back(json::object{{"action", a.action},
                                    {"line", a.line},
                                    {"at_s", json_number(a.at_s)},
                                    {"status", a.status},
                                    {"note", a.note}});
    out.push_back(json::object{{"name", p.name},
                               {"start_s", json_number(windows[p.name].start_s)},
                               {"end_s", json_number(windows[p.name].end_s)},
                               {"actions", std::move(acts)}});
  }
  return out;
}

/// What finish() brought back after the last phase.
json::array restored_json(const std::vector<applied_action>& actions) {
  json::array out;
  for (const auto& a : actions)
    if (a.phase == "(end)") out.push_back(json::object{{"action", a.action}, {"status", a.status}, {"note", a.note}});
  return out;
}

/// Each expectation with both sides' values (null: not measured) and its verdict.
json::array expectations_json(const std::vector<lab::expectation_outcome>& verdicts) {
  json::array out;
  for (const auto& v : verdicts)
    out.push_back(json::object{{"phase", v.window},
                               {"expectation", v.text},
                               {"left", json_number(v.left)},
                               {"right", json_number(v.right)},
                               {"passed", v.passed}});
  return out;
}

std::string scenario_json(const lab::scenario& sc, double time_scale,
                          const std::vector<lab::expectation_outcome>& verdicts,
                          const std::vector<applied_action>& actions, std::optional<double> would_expire) {
  bool all = std::all_of(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.passed; }) &&
             std::none_of(actions.begin(), actions.end(), [](const auto& a) { return a.status == "failed"; });
  std::optional<double> expiry_s;
  if (sc.redis_expiry) expiry_s = std::chrono::duration<double>(*sc.redis_expiry).count();
  json::object doc;
  doc["name"] = sc.name;
  doc["file"] = sc.file;
  doc["time_scale"] = json_number(time_scale);
  doc["passed"] = all;
  doc["redis_expiry_s"] = json_number(expiry_s);
  doc["would_expire"] = json_number(would_expire);
  doc["phases"] = phases_json(sc, actions);
  doc["restored"] = restored_json(actions);
  doc["expectations"] = expectations_json(verdicts);
  return common::json_document(doc);
}

void print_verdicts(const lab::scenario& sc, const std::vector<lab::expectation_outcome>& verdicts,
                    const std::vector<applied_action>& actions, std::optional<double> would_expire) {
  auto shown = [](double v) { return std::isnan(v) ? std::string("not measured") : fmt::format("{:.6g}", v); };
  std::size_t held = 0;
  for (const auto& v : verdicts) held += v.passed;
  std::cout << fmt::format("scenario {}: {} of {} expectations hold\n", sc.name, held, verdicts.size());
  for (const auto& v : verdicts)
    std::cout << fmt::format("  {:4}  {:<12} {}   ({} vs {})\n", v.passed ? "PASS" : "FAIL",
                             v.window.empty() ? "(run)" : v.window, v.text, shown(v.left), shown(v.right));
  for (const auto& a : actions)
    if (a.status != "applied")
      std::cout << fmt::format("  action {} in phase {}: {} — {}\n", a.action, a.phase, a.status, a.note);
  if (sc.redis_expiry)
    std::cout << fmt::format("  would expire (queued > {:.0f} s, LangSmith's REDIS_RUNS_EXPIRY_SECONDS): {}\n",
                             std::chrono::duration<double>(*sc.redis_expiry).count(),
                             would_expire ? shown(*would_expire) : std::string("not measured"));
}

/// Stack actions land on the local stack's processes only: refused (usage)
/// when the servers are others, unless they are to be skipped. Returns
/// whether the servers are the stack, which must then be whole.
bool check_where_actions_land(const lab::scenario& sc, const scenario_run_options& c,
                              const config::settings& base) {
  auto why_not = not_the_stack(base, c.stack_dir);
  if (why_not && !c.skip_stack_actions)
    for (const auto& p : sc.phases)
      for (const auto& a : p.actions)
        if (a.needs_local_stack())
          throw CLI::ValidationError(fmt::format(
              "{}:{}: phase {}: '{}' acts on a process of the local stack, and the servers configured are not "
              "this machine's local stack ({}): refused (run it with --stack DIR and no other servers, or "
              "--skip-stack-actions to run the rest without such actions)",
              sc.file, a.line, p.name, a.describe(), *why_not));
  if (!why_not)
    for (const auto& component : stack::status(c.stack_dir))
      if (!component.alive)
        throw std::runtime_error(fmt::format("--stack {}: {} is not running (see tracepipe stack status --dir {})",
                                             c.stack_dir, component.name, c.stack_dir));
  return !why_not;
}

/// The write path's settings: the scenario's over the servers', and fresh
/// tables and streams so the figures are this run's alone.
config::settings scenario_settings(const lab::scenario& sc, config::settings base, std::uint64_t salt) {
  bool deadline_set = false;
  for (const auto& kv : sc.settings) {
    apply_setting(base, kv);
    deadline_set = deadline_set || kv.first == "worker.shutdown_deadline";
  }
  // Workers restart at phase changes: a stuck insert should not hold the next phase for 30 s.
  if (!deadline_set) base.worker.shutdown_deadline = std::chrono::seconds(5);
  auto tag = fmt::format("{:06x}", salt & 0xffffff);
  base.clickhouse.table = "runs_scn_" + tag;
  base.redis.stream = "tracepipe:scn:" + tag;
  base.worker.consumer = "scn-" + tag;  // restarted workers take over what their predecessors held
  return base;
}

/// `requires: [async_insert]` against the server: a sentence when unmet.
std::optional<std::string> unmet_requirement(const lab::scenario& sc, const config::settings& base) {
  if (!sc.needs_async_insert) return std::nullopt;
  sink::clickhouse_client ch(sink::client_settings(base.clickhouse));
  sink::clickhouse_result why;
  auto v = ch.probe_version(&why);
  if (!v) throw std::runtime_error("ClickHouse at " + base.clickhouse.urls.front() + " did not tell its version: " + why.message);
  if (v->has_async_insert()) return std::nullopt;
  return fmt::format(
      "scenario {} cannot run here: it needs async inserts (ClickHouse 21.11 or later), and the server at {} is {}; "
      "no load was run",
      sc.name, base.clickhouse.urls.front(), v->text);
}

/// A throttle this machine cannot apply (no writable cgroup cpu controller,
/// no disk limit under cgroup v1): a sentence naming it.
std::optional<std::string> unmet_limit(const lab::scenario& sc) {
  for (const auto& p : sc.phases)
    for (const auto& a : p.actions)
      if (a.what == lab::scenario_action::kind::throttle)
        if (auto why = stack::cannot_limit(a.limit.what))
          return fmt::format("scenario {} cannot run here: {}:{}: {} needs what this machine lacks: {}; no load was run",
                             sc.name, sc.file, a.line, a.describe(), *why);
  return std::nullopt;
}

/// What the run is judged on once its reconcile is done: would_expire and
/// every expectation of the file.
struct scenario_judgement {
  std::vector<lab::expectation_outcome> verdicts;
  std::optional<double> would_expire;

  std::vector<report::threshold_outcome> judge(const lab::scenario& sc, const config::settings& base,
                                                const std::string& project, const loadgen::load_result& r) {
    if (sc.redis_expiry) {
      sink::clickhouse_client ch(sink::client_settings(base.clickhouse));
      auto answer = ch.query(observe::waited_longer_query(
          sink::schema_names{base.clickhouse.database, base.clickhouse.table}, project, r.start_wall_us - 2'000'000,
          static_cast<std::uint64_t>(sc.redis_expiry->count()) * 1000));
      if (answer.ok()) would_expire = std::strtod(answer.body.c_str(), nullptr);
      else std::cerr << "tracepipe scenario: counting what would expire: " << answer.message << "\n";
    }
    auto table = report::timeseries_of(r);
    lab::expectation_context ctx;
    ctx.series = &table;
    ctx.windows = sc.windows();
    ctx.figure = [&](std::string_view name) {
      if (name == "would_expire") return would_expire.value_or(NAN);
      return report::metric_value(r, name).value_or(NAN);
    };
    for (const auto& p : sc.phases)
      for (const auto& e : p.expect) verdicts.push_back(lab::judge(e.e, p.name, ctx));
    for (const auto& e : sc.expect) verdicts.push_back(lab::judge(e.e, "", ctx));
    std::vector<report::threshold_outcome> rows;
    for (const auto& v : verdicts) {
      report::threshold t;
      t.text = fmt::format("{}: {}", v.window.empty() ? "run" : v.window, v.text);
      rows.push_back({t, v.left, v.passed});
    }
    return rows;
  }
};

}  // namespace

int run_scenario(scenario_run_options c, stop_flags& stop) {
  auto sc = lab::load_scenario_file(c.file, c.time_scale);  // a mistake costs nothing: nothing started yet
  if (!c.stack_dir.empty() && !fs::exists(fs::path(c.stack_dir) / "stack.env"))
    throw CLI::ValidationError("--stack " + c.stack_dir + ": no stack.env there (a directory from `tracepipe stack up`)");

  // Where the servers are: --stack DIR, --config FILE (the user's own), or a
  // local stack of our own in a temp dir.
  config::loader loader;
  std::optional<local_stack> own;
  if (c.stack_dir.empty() && c.config_file.empty()) {
    c.stack_dir = fresh_temp_dir("scenario");
    stack::options topology;
    topology.dir = c.stack_dir;
    topology.clickhouse_replicas = sc.clickhouse_replicas;
    own.emplace(topology, c.keep_stack, "scenario");
  }
  if (!c.stack_dir.empty()) loader.set_stack_dir(c.stack_dir);
  if (!c.config_file.empty()) loader.set_config_file(c.config_file);
  auto servers = loader.load();
  if (static_cast<int>(servers.clickhouse.urls.size()) < sc.clickhouse_replicas) {
    std::cout << fmt::format(
        "scenario {} cannot run here: it needs {} ClickHouse replicas, and clickhouse.url names {} server(s) "
        "(tracepipe stack up --clickhouse-replicas {}, or run it without --stack); no load was run\n",
        sc.name, sc.clickhouse_replicas, servers.clickhouse.urls.size(), sc.clickhouse_replicas);
    return 4;
  }
  bool local = check_where_actions_land(sc, c, servers);
  if (auto unmet = local ? unmet_limit(sc) : std::nullopt) {
    std::cout << *unmet << "\n";
    return 4;
  }
  auto salt = fresh_id_salt();
  auto base = scenario_settings(sc, servers, salt);
  if (auto unmet = unmet_requirement(sc, base)) {
    std::cout << *unmet << "\n";
    return 4;
  }

  if (c.out.empty()) c.out = (fs::path(c.stack_dir.empty() ? "." : c.stack_dir) / ("scenario-" + sc.name)).string();
  std::chrono::nanoseconds total{0};
  for (const auto& p : sc.phases) total += p.duration();
  std::cerr << fmt::format("tracepipe scenario: {} ({} phases, {:.0f} s; table {}.{}), report under {}\n", sc.name,
                           sc.phases.size(), std::chrono::duration<double>(total).count(), base.clickhouse.database,
                           base.clickhouse.table, c.out);

  local_write_path path(base);
  phase_controller controller(sc, path, base, c.stack_dir, local);
  controller.apply_first();

  load_session session;
  auto& o = session.options;
  o.target = path.url();
  o.stages = sc.stages();
  o.body = sc.body;
  o.body.id_salt = salt;
  o.connections = sc.connections;
  o.progress = isatty(STDERR_FILENO) ? loadgen::progress_mode::line : loadgen::progress_mode::every_10s;
  o.on_start = [&controller](clock_type::time_point start) { controller.begin(start); };
  // The load is over (or stopped): no later action, and the stack and the
  // workers whole again for the drain and the reconcile.
  session.after_schedule = [&controller] { controller.finish(); };
  session.stack = observe::stack_target_of(base, o.body.project);
  if (auto reads = sc.read_stages(); !reads.empty()) {
    loadgen::read_options ro;
    ro.stages = std::move(reads);
    ro.mix = sc.read_mix;
    ro.connections = sc.read_connections;
    session.reads = ro;
  }
  session.out = c.out;
  for (const auto& [name, w] : sc.windows())
    if (name != "all" && name != "drain") session.phases.push_back({name, w.start_s, w.end_s});
  std::sort(session.phases.begin(), session.phases.end(), [](auto& a, auto& b) { return a.start_s < b.start_s; });
  scenario_judgement judged;
  session.judge = [&](const loadgen::load_result& r) { return judged.judge(sc, base, o.body.project, r); };
  run_load_session(session, stop.requested);
  controller.finish();
  controller.lift_restarting_limits();

  auto actions = controller.log();
  write_file(fs::path(c.out) / "scenario.json",
             scenario_json(sc, c.time_scale, judged.verdicts, actions, judged.would_expire));
  print_verdicts(sc, judged.verdicts, actions, judged.would_expire);
  std::cout << "scenario: " << (fs::path(c.out) / "scenario.json").string() << "\n";
  if (stop.interrupted) return 130;
  bool ok = judged.verdicts.size() == sc.expectation_count();  // each one judged
  for (const auto& v : judged.verdicts) ok = ok && v.passed;
  for (const auto& a : actions) ok = ok && a.status != "failed";
  return ok ? 0 : 3;
}

}  // namespace tracepipe::lab

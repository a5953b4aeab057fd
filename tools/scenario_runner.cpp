#include "tools/scenario_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/loader.hpp"
#include "loadgen/report.hpp"
#include "loadgen/scenario.hpp"
#include "loadgen/stack_queries.hpp"
#include "tools/load_session.hpp"
#include "tools/local_write_path.hpp"
#include "tools/stack/stack.hpp"

namespace tracepipe::tools {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::atomic<bool> stop_requested{false};
std::atomic<bool> interrupted{false};
extern "C" void on_scenario_signal(int) {
  interrupted.store(true);
  stop_requested.store(true);
}

/// What became of one action.
struct applied_action {
  std::string phase;
  std::string action;
  int line = 0;
  double at_s = 0;     ///< since the load's start (phase 0's: before it, 0)
  std::string status;  ///< applied, skipped, failed
  std::string note;
};

void apply_setting(config::settings& s, const loadgen::setting& kv) {
  if (kv.first == "worker.pipelines" && kv.second == "0") {
    s.worker.pipelines = 0;  // workers stopped (the key table's range starts at 1)
    return;
  }
  if (auto problem = config::find_key(kv.first)->apply(s, kv.second))  // checked when the file was read
    throw std::runtime_error(fmt::format("{}: {}", kv.first, *problem));
}

/// Applies each phase's actions when the phase begins, on its own thread,
/// timed from the load's second 0; whatever it left paused or stopped on
/// the local stack is brought back by finish().
class phase_controller {
 public:
  phase_controller(const loadgen::scenario& sc, local_write_path& path, config::settings workers,
                   std::string stack_dir, bool stack_actions)
      : sc_(sc), path_(path), workers_(std::move(workers)), stack_dir_(std::move(stack_dir)),
        stack_actions_(stack_actions) {}
  ~phase_controller() { finish(); }

  /// Phase 0's actions, before the load starts.
  void apply_first() { apply_phase(0, 0); }

  void begin(clock_type::time_point start) {
    thread_ = std::thread([this, start] {
      double at = std::chrono::duration<double>(sc_.phases[0].duration()).count();
      for (std::size_t i = 1; i < sc_.phases.size(); ++i) {
        auto due = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(at));
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, due, [this] { return done_; })) return;
        lock.unlock();
        apply_phase(i, std::chrono::duration<double>(clock_type::now() - start).count());
        at += std::chrono::duration<double>(sc_.phases[i].duration()).count();
      }
    });
  }

  /// Stops the thread and undoes what would leave the stack broken.
  void finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    for (const auto& c : paused_) restore("resume", c, [&] { stack::pause_component(stack_dir_, c, false, std::cerr); });
    for (const auto& c : stopped_) restore("start", c, [&] { stack::start_component(stack_dir_, c, std::cerr); });
    paused_.clear();
    stopped_.clear();
  }

  std::vector<applied_action> log() const {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

 private:
  void apply_phase(std::size_t i, double at_s) {
    const auto& phase = sc_.phases[i];
    for (const auto& a : phase.actions) {
      applied_action rec{phase.name, a.describe(), a.line, at_s, "applied", ""};
      std::cerr << fmt::format("tracepipe scenario: phase {} at {:.1f} s: {}\n", phase.name, at_s, rec.action);
      try {
        if (a.what == loadgen::scenario_action::kind::workers) {
          for (const auto& kv : a.settings) apply_setting(workers_, kv);
          path_.restart_workers(workers_);
        } else if (!stack_actions_) {
          rec.status = "skipped";
          rec.note = "the servers are not this machine's local stack (--skip-stack-actions)";
        } else {
          component_action(a);
        }
      } catch (const std::exception& e) {
        rec.status = "failed";
        rec.note = e.what();
        std::cerr << fmt::format("tracepipe scenario: {} failed: {}\n", rec.action, e.what());
      }
      std::lock_guard lock(log_mutex_);
      log_.push_back(std::move(rec));
    }
  }

  void component_action(const loadgen::scenario_action& a) {
    const auto& c = a.component;
    if (a.verb == "pause") {
      stack::pause_component(stack_dir_, c, true, std::cerr);
      paused_.insert(c);
    } else if (a.verb == "resume") {
      stack::pause_component(stack_dir_, c, false, std::cerr);
      paused_.erase(c);
    } else if (a.verb == "stop" || a.verb == "kill") {
      if (a.verb == "stop") stack::stop_component(stack_dir_, c, std::cerr);
      else stack::kill_component(stack_dir_, c, std::cerr);
      paused_.erase(c);
      stopped_.insert(c);
    } else {
      stack::start_component(stack_dir_, c, std::cerr);
      stopped_.erase(c);
    }
  }

  template <class Fn>
  void restore(const char* verb, const std::string& c, Fn fn) {
    applied_action rec{"(end)", fmt::format("{} {}", verb, c), 0, 0, "applied",
                       "left so by the scenario; brought back at its end"};
    try {
      fn();
    } catch (const std::exception& e) {
      rec.status = "failed";
      rec.note = e.what();
    }
    std::lock_guard lock(log_mutex_);
    log_.push_back(std::move(rec));
  }

  const loadgen::scenario& sc_;
  local_write_path& path_;
  config::settings workers_;  ///< what the workers run with now
  std::string stack_dir_;
  bool stack_actions_;
  std::set<std::string> paused_, stopped_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  mutable std::mutex log_mutex_;
  std::vector<applied_action> log_;
};

/// The local stack's endpoints are the ones the settings point at: only
/// then may actions touch its processes.
bool settings_are_the_stack(const config::settings& s, const std::string& stack_dir) {
  if (stack_dir.empty()) return false;
  auto env = stack::read_env(stack_dir);
  return s.redis.url == env["REDIS_URL"] && s.clickhouse.url == env["CLICKHOUSE_URL"] &&
         s.s3.endpoint == env["S3_ENDPOINT"];
}

std::string json_number(double v) {
  if (std::isnan(v)) return "null";
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  return fmt::format("{}", v);
}

std::string scenario_json(const loadgen::scenario& sc, double time_scale,
                          const std::vector<loadgen::expectation_outcome>& verdicts,
                          const std::vector<applied_action>& actions, std::optional<double> would_expire) {
  std::string phases;
  auto windows = sc.windows();
  for (const auto& p : sc.phases) {
    std::string acts;
    for (const auto& a : actions)
      if (a.phase == p.name)
        acts += fmt::format(R"({}{{"action":"{}","line":{},"at_s":{},"status":"{}","note":"{}"}})",
                            acts.empty() ? "" : ",", loadgen::json_escape(a.action), a.line, json_number(a.at_s),
                            a.status, loadgen::json_escape(a.note));
    phases += fmt::format(R"({}{{"name":"{}","start_s":{},"end_s":{},"actions":[{}]}})", phases.empty() ? "" : ",",
                          p.name, windows[p.name].start_s, windows[p.name].end_s, acts);
  }
  std::string restored;
  for (const auto& a : actions)
    if (a.phase == "(end)")
      restored += fmt::format(R"({}{{"action":"{}","status":"{}","note":"{}"}})", restored.empty() ? "" : ",",
                              loadgen::json_escape(a.action), a.status, loadgen::json_escape(a.note));
  std::string exp;
  bool all = true;
  for (const auto& v : verdicts) {
    all = all && v.passed;
    exp += fmt::format(R"({}{{"phase":"{}","expectation":"{}","left":{},"right":{},"passed":{}}})",
                       exp.empty() ? "" : ",", v.window, loadgen::json_escape(v.text), json_number(v.left),
                       json_number(v.right), v.passed ? "true" : "false");
  }
  for (const auto& a : actions) all = all && a.status != "failed";
  return fmt::format(
      "{{\n"
      R"(  "name":"{}","file":"{}","time_scale":{},"passed":{},)" "\n"
      R"(  "redis_expiry_s":{},"would_expire":{},)" "\n"
      R"(  "phases":[{}],)" "\n"
      R"(  "restored":[{}],)" "\n"
      R"(  "expectations":[{}])" "\n}}\n",
      loadgen::json_escape(sc.name), loadgen::json_escape(sc.file), time_scale, all ? "true" : "false",
      sc.redis_expiry ? json_number(std::chrono::duration<double>(*sc.redis_expiry).count()) : "null",
      would_expire ? json_number(*would_expire) : "null", phases, restored, exp);
}

void print_verdicts(const loadgen::scenario& sc, const std::vector<loadgen::expectation_outcome>& verdicts,
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

sink::clickhouse_settings clickhouse_of(const config::settings& s) {
  return {s.clickhouse.url, s.clickhouse.user, s.clickhouse.password, s.clickhouse.timeout, s.clickhouse.ca_file};
}

}  // namespace

int run_scenario(scenario_run_options c) {
  auto sc = loadgen::load_scenario_file(c.file, c.time_scale);  // a mistake costs nothing: nothing started yet
  if (!c.stack_dir.empty() && !fs::exists(fs::path(c.stack_dir) / "stack.env"))
    throw CLI::ValidationError("--stack " + c.stack_dir + ": no stack.env there (a directory from `tracepipe stack up`)");
  std::signal(SIGINT, on_scenario_signal);
  std::signal(SIGTERM, on_scenario_signal);

  // Where the servers are: --stack DIR, --config FILE (the user's own), or a
  // local stack of our own in a temp dir.
  config::loader loader;
  std::optional<local_stack> own;
  if (c.stack_dir.empty() && c.config_file.empty()) {
    c.stack_dir = fresh_temp_dir("scenario");
    own.emplace(c.stack_dir, c.keep_stack, "scenario");
  }
  if (!c.stack_dir.empty()) loader.set_stack_dir(c.stack_dir);
  if (!c.config_file.empty()) loader.set_config_file(c.config_file);
  auto base = loader.load();
  bool local = settings_are_the_stack(base, c.stack_dir);
  if (!local && sc.needs_local_stack() && !c.skip_stack_actions) {
    for (const auto& p : sc.phases)
      for (const auto& a : p.actions)
        if (a.needs_local_stack())
          throw CLI::ValidationError(fmt::format(
              "{}:{}: phase {}: '{}' acts on a process of the local stack, and the servers configured are not "
              "this machine's local stack: refused (run it with --stack DIR, or --skip-stack-actions to run "
              "the rest without such actions)",
              sc.file, a.line, p.name, a.describe()));
  }
  if (local)
    for (const auto& component : stack::status(c.stack_dir))
      if (!component.alive)
        throw std::runtime_error(fmt::format("--stack {}: {} is not running (see tracepipe stack status --dir {})",
                                             c.stack_dir, component.name, c.stack_dir));

  for (const auto& kv : sc.settings) apply_setting(base, kv);
  bool deadline_set = false;
  for (const auto& kv : sc.settings) deadline_set = deadline_set || kv.first == "worker.shutdown_deadline";
  // Workers restart at phase changes: a stuck insert should not hold the next phase for 30 s.
  if (!deadline_set) base.worker.shutdown_deadline = std::chrono::seconds(5);
  auto salt = fresh_id_salt();
  auto tag = fmt::format("{:06x}", salt & 0xffffff);
  base.clickhouse.table = "runs_scn_" + tag;  // fresh tables and streams: figures of this run alone
  base.redis.stream = "tracepipe:scn:" + tag;
  base.worker.consumer = "scn-" + tag;        // restarted workers take over what their predecessors held

  if (sc.needs_async_insert) {
    sink::clickhouse_client ch(clickhouse_of(base));
    sink::clickhouse_result why;
    auto v = ch.probe_version(&why);
    if (!v) throw std::runtime_error("ClickHouse at " + base.clickhouse.url + " did not tell its version: " + why.message);
    if (!v->has_async_insert()) {
      std::cout << fmt::format(
          "scenario {} cannot run here: it needs async inserts (ClickHouse 21.11 or later), and the server at {} "
          "is {}; nothing was started\n",
          sc.name, base.clickhouse.url, v->text);
      return 4;
    }
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
  session.stack = loadgen::stack_target_of(base, o.body.project);
  session.out = c.out;
  for (const auto& [name, w] : sc.windows())
    if (name != "all" && name != "drain") session.phases.push_back({name, w.start_s, w.end_s});
  std::sort(session.phases.begin(), session.phases.end(), [](auto& a, auto& b) { return a.start_s < b.start_s; });

  std::vector<loadgen::expectation_outcome> verdicts;
  std::optional<double> would_expire;
  session.judge = [&](const loadgen::load_result& r) {
    controller.finish();  // the load is over: no later action, the stack whole again
    if (sc.redis_expiry) {
      sink::clickhouse_client ch(clickhouse_of(base));
      auto answer = ch.query(loadgen::waited_longer_query(
          sink::schema_names{base.clickhouse.database, base.clickhouse.table}, o.body.project,
          r.start_wall_us - 2'000'000, static_cast<std::uint64_t>(sc.redis_expiry->count()) * 1000));
      if (answer.ok()) would_expire = std::strtod(answer.body.c_str(), nullptr);
      else std::cerr << "tracepipe scenario: counting what would expire: " << answer.message << "\n";
    }
    auto table = loadgen::parse_timeseries_csv(loadgen::timeseries_csv(r));
    loadgen::expectation_context ctx;
    ctx.series = &table;
    ctx.windows = sc.windows();
    ctx.figure = [&](std::string_view name) {
      if (name == "would_expire") return would_expire.value_or(NAN);
      return loadgen::metric_value(r, name).value_or(NAN);
    };
    for (const auto& p : sc.phases)
      for (const auto& e : p.expect) verdicts.push_back(loadgen::judge(e.e, p.name, ctx));
    for (const auto& e : sc.expect) verdicts.push_back(loadgen::judge(e.e, "", ctx));
    std::vector<loadgen::threshold_outcome> rows;
    for (const auto& v : verdicts) {
      loadgen::threshold t;
      t.text = fmt::format("{}: {}", v.window.empty() ? "run" : v.window, v.text);
      rows.push_back({t, v.left, v.passed});
    }
    return rows;
  };
  run_load_session(session, stop_requested);
  controller.finish();
  auto actions = controller.log();
  write_file(fs::path(c.out) / "scenario.json", scenario_json(sc, c.time_scale, verdicts, actions, would_expire));
  print_verdicts(sc, verdicts, actions, would_expire);
  std::cout << "scenario: " << (fs::path(c.out) / "scenario.json").string() << "\n";
  if (interrupted) return 130;
  bool ok = !verdicts.empty() || sc.expect.empty();
  for (const auto& v : verdicts) ok = ok && v.passed;
  for (const auto& a : actions) ok = ok && a.status != "failed";
  return ok ? 0 : 3;
}

}  // namespace tracepipe::tools

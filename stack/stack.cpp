#include "stack/stack.hpp"

#include "stack/detail/components.hpp"
#include "stack/detail/confine.hpp"
#include "stack/detail/free_port.hpp"
#include "stack/detail/process.hpp"
#include "stack/detail/redis_cluster.hpp"
#include "stack/detail/stack_dir.hpp"
#include "stack/detail/state.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tracepipe::stack {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;
using detail::component;
using detail::process_id;
using detail::stack_state;
using detail::absolute_dir;
using detail::check_name;
using detail::dir_lock;
using detail::live_pid;
using detail::require_state;

// ClickHouse needs ~1.5 s to shut down; more than this is a hang.
constexpr auto stop_grace = std::chrono::seconds(30);
constexpr auto probe_timeout = std::chrono::milliseconds(500);
constexpr auto poll_interval = std::chrono::milliseconds(50);
constexpr int log_tail_lines = 20;

/// A component this call started (or found running) and its process.
struct launch {
  component c;
  process_id pid;
};

/// The components DIR records: from its state, else from its pid files
/// (a state lost or never written must not hide a running server from `down`).
std::vector<std::string> recorded_names(const fs::path& dir) {
  if (auto s = detail::load_state(dir)) return detail::component_names(*s);
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir / "pids", ec))
    if (f.path().extension() == ".pid") names.push_back(f.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

std::string with_logs(std::string what, const component& c) {
  for (const auto& path : c.logs)
    if (auto t = detail::tail(path, log_tail_lines); !t.empty())
      what += fmt::format("\n--- last lines of {} ---\n{}", path.string(), t);
  return what;
}

/// Stops what this call started and forgets its pids.
void abandon(const fs::path& dir, const std::vector<launch>& started) {
  std::vector<process_id> procs;
  for (const auto& l : started) procs.push_back(l.pid);
  detail::stop(procs, stop_grace);
  for (const auto& l : started) fs::remove(detail::pid_path(dir, l.c.name));
}

launch start_one(const stack_state& s, const std::string& name, std::ostream& log) {
  auto c = detail::make_component(s, name);
  auto argv = c.prepare();
  auto log_file = detail::log_path(s.dir, name);
  // Logs append across restarts; mark where this run begins.
  std::ofstream(log_file, std::ios::app) << fmt::format("--- tracepipe stack: {}\n", fmt::join(argv, " "));
  auto pid = detail::spawn(argv, s.dir.string(), log_file.string());
  try {
    detail::write_pidfile(detail::pid_path(s.dir, name), pid);
  } catch (...) {
    detail::stop({pid}, stop_grace);
    throw;
  }
  log << fmt::format("stack: started {} (pid {}), log {}\n", name, pid.pid, log_file.string());
  detail::confine(s, name, pid.pid, log);
  return {std::move(c), pid};
}

/// Polls every component until each answers. If one dies or misses the
/// deadline: stops all of `comps` when `we_started` them, then throws.
void wait_ready(const fs::path& dir, const std::vector<launch>& comps, bool we_started,
                clock::time_point since, std::chrono::seconds deadline, std::ostream& log) {
  std::vector<bool> ready(comps.size());
  for (std::size_t pending = comps.size(); pending > 0;) {
    for (std::size_t i = 0; i < comps.size(); ++i) {
      if (ready[i]) continue;
      const auto& [c, pid] = comps[i];
      if (c.ready(probe_timeout)) {
        ready[i] = true;
        --pending;
        log << fmt::format("stack: {} answers at {} after {:.1f} s\n", c.name, c.endpoint,
                           seconds_since(since));
        continue;
      }
      std::string failure;
      if (!detail::alive(pid))
        failure = fmt::format("{} (pid {}) exited before answering {}", c.name, pid.pid, c.check);
      else if (clock::now() - since > deadline)
        failure = fmt::format("{} (pid {}) did not answer {} at {} within {} s", c.name, pid.pid,
                              c.check, c.endpoint, deadline.count());
      if (failure.empty()) continue;
      if (we_started) abandon(dir, comps);
      throw error(with_logs(failure, c));
    }
    if (pending > 0) std::this_thread::sleep_for(poll_interval);
  }
}

/// `up` on a DIR where components already run: all of them, or an error.
std::map<std::string, std::string> already_up(const fs::path& dir, const options& opts, std::ostream& log) {
  auto s = detail::load_state(dir);
  if (!s) throw error(fmt::format("stack in {} runs but has no stack.state; run `down` on it first", dir.string()));
  auto redis_nodes = opts.redis_masters ? opts.redis_masters * (opts.redis_replicas + 1) : 1;
  if (static_cast<int>(s->redis_ports.size()) != redis_nodes)
    throw error(fmt::format("stack in {} already runs with {} Redis node(s), not {}; run `down` on it first",
                            dir.string(), s->redis_ports.size(), redis_nodes));
  if (static_cast<int>(s->clickhouse.size()) != opts.clickhouse_replicas)
    throw error(fmt::format("stack in {} already runs with {} ClickHouse server(s), not {}; run `down` on it first",
                            dir.string(), s->clickhouse.size(), opts.clickhouse_replicas));
  std::vector<std::string> running, stopped;
  for (const auto& name : detail::component_names(*s)) {
    if (auto p = live_pid(dir, name)) running.push_back(fmt::format("{} (pid {})", name, p->pid));
    else stopped.push_back(name);
  }
  if (!stopped.empty())
    throw error(fmt::format("stack in {} is partly up: {} running, {} not; run `down` on it first",
                            dir.string(), fmt::join(running, ", "), fmt::join(stopped, ", ")));
  log << fmt::format("stack: already up in {}\n", dir.string());
  std::vector<launch> comps;
  for (const auto& name : detail::component_names(*s)) {
    comps.push_back({detail::make_component(*s, name), *live_pid(dir, name)});
    log << fmt::format("  {:<10} pid {:<8} {}\n", name, comps.back().pid.pid, comps.back().c.endpoint);
  }
  wait_ready(dir, comps, false, clock::now(), s->deadline, log);
  auto env = detail::env_of(*s);
  if (!fs::exists(detail::env_path(dir)))
    detail::write_env_file(detail::env_path(dir), env, "# tracepipe stack endpoints");
  return env;
}

}  // namespace

std::map<std::string, std::string> up(const options& opts, std::ostream& log) {
  auto t0 = clock::now();
  if (opts.bucket.empty() || opts.deadline.count() <= 0) throw error("stack options need a bucket and a deadline");
  if (opts.clickhouse_replicas < 1 || opts.clickhouse_replicas > max_clickhouse_replicas)
    throw error(fmt::format("--clickhouse-replicas must be 1 (a single node) to {} (replicas with ZooKeeper), not {}",
                            max_clickhouse_replicas, opts.clickhouse_replicas));
  if (opts.redis_masters != 0 && (opts.redis_masters < min_redis_masters || opts.redis_masters > max_redis_masters))
    throw error(fmt::format("--redis-cluster must be 0 (one standalone Redis) or {} to {} masters, not {}",
                            min_redis_masters, max_redis_masters, opts.redis_masters));
  if (opts.redis_replicas < 0 || opts.redis_replicas > max_redis_replicas ||
      (opts.redis_replicas > 0 && opts.redis_masters == 0))
    throw error(fmt::format("--redis-replicas must be 0 to {}, and needs --redis-cluster, not {}", max_redis_replicas,
                            opts.redis_replicas));
  if (opts.redis_node_timeout < std::chrono::milliseconds(100))
    throw error("--redis-node-timeout must be 100 ms or more");
  auto dir = absolute_dir(opts.dir);
  fs::create_directories(dir / "logs");
  fs::create_directories(dir / "pids");
  dir_lock lock(dir);
  for (const auto& name : recorded_names(dir))
    if (live_pid(dir, name)) return already_up(dir, opts, log);

  stack_state s;
  s.dir = dir;
  bool replicated = opts.clickhouse_replicas > 1;
  int redis_nodes = opts.redis_masters ? opts.redis_masters * (opts.redis_replicas + 1) : 1;
  auto ports = detail::free_ports((redis_nodes > 1 ? 2 * redis_nodes : 1) + 1 +
                                  (replicated ? 1 + 3 * opts.clickhouse_replicas : 2));
  auto next_port = ports.begin();
  for (int i = 0; i < redis_nodes; ++i) s.redis_ports.push_back(*next_port++);
  if (redis_nodes > 1)
    for (int i = 0; i < redis_nodes; ++i) s.redis_bus_ports.push_back(*next_port++);
  s.redis_replicas = opts.redis_replicas;
  s.redis_node_timeout = opts.redis_node_timeout;
  s.s3_port = *next_port++;
  if (replicated) s.zookeeper_port = *next_port++;
  for (int i = 0; i < opts.clickhouse_replicas; ++i) {
    detail::clickhouse_ports p{*next_port++, *next_port++};
    if (replicated) p.interserver = *next_port++;
    s.clickhouse.push_back(p);
  }
  s.s3rver_path = detail::find_s3rver(opts.s3rver_path);
  s.bucket = opts.bucket;
  s.deadline = opts.deadline;
  fs::remove(detail::env_path(dir));
  detail::save_state(s);
  // A group a crashed run left behind would hand its CPU limit to the new servers.
  detail::release_groups(s);

  // All start at once and are then polled together: ~2 s, not the sum —
  // except that replicas start once ZooKeeper answers: an 18.16 server that
  // could not reach it at start crashes (SIGSEGV in its DDL worker) on the
  // first ON CLUSTER statement later.
  std::vector<launch> ready, wave;
  auto start_wave = [&](bool replicas) {
    wave.clear();
    for (const auto& name : detail::component_names(s)) {
      if (s.replicated() && detail::clickhouse_index(s, name).has_value() != replicas) continue;
      try {
        wave.push_back(start_one(s, name, log));
      } catch (const std::exception& e) {
        abandon(dir, wave);
        abandon(dir, ready);
        throw error(fmt::format("cannot start {}: {}", name, e.what()));
      }
    }
    try {
      wait_ready(dir, wave, true, t0, s.deadline, log);  // stops the wave if it fails
    } catch (const error&) {
      abandon(dir, ready);
      throw;
    }
    ready.insert(ready.end(), wave.begin(), wave.end());
  };
  start_wave(false);
  if (s.redis_cluster()) {
    try {
      detail::form_redis_cluster(s, log);
    } catch (const error&) {
      abandon(dir, ready);
      throw;
    }
  }
  if (s.replicated()) start_wave(true);
  auto env = detail::env_of(s);
  detail::write_env_file(detail::env_path(dir), env,
                         "# tracepipe stack endpoints; load with: set -a; . ./stack.env; set +a");
  log << fmt::format("stack: up in {:.1f} s; env in {}\n", seconds_since(t0),
                     detail::env_path(dir).string());
  return env;
}

void down(const std::string& dir_arg, std::ostream& log) {
  auto dir = absolute_dir(dir_arg);
  if (!fs::is_directory(dir)) {
    log << fmt::format("stack: nothing in {}\n", dir.string());
    return;
  }
  auto t0 = clock::now();
  dir_lock lock(dir);
  std::vector<process_id> procs;
  std::vector<std::string> names;
  auto recorded = recorded_names(dir);
  for (const auto& name : recorded) {
    if (auto p = live_pid(dir, name)) {
      procs.push_back(*p);
      names.push_back(fmt::format("{} (pid {})", name, p->pid));
    }
  }
  detail::stop(procs, stop_grace);
  for (const auto& name : recorded) fs::remove(detail::pid_path(dir, name));
  if (auto s = detail::load_state(dir)) detail::release_groups(*s);
  fs::remove(detail::env_path(dir));
  if (names.empty()) log << fmt::format("stack: nothing running in {}\n", dir.string());
  else log << fmt::format("stack: stopped {} in {:.1f} s\n", fmt::join(names, ", "), seconds_since(t0));
}

std::vector<component_status> status(const std::string& dir_arg) {
  auto dir = absolute_dir(dir_arg);
  auto s = detail::load_state(dir);
  std::vector<component_status> out;
  for (const auto& name : recorded_names(dir)) {
    component_status st;
    st.name = name;
    if (auto p = detail::read_pidfile(detail::pid_path(dir, name))) {
      st.pid = p->pid;
      st.alive = detail::alive(*p);
    }
    if (s) st.endpoint = detail::make_component(*s, name).endpoint;
    out.push_back(std::move(st));
  }
  return out;
}

void stop_component(const std::string& dir_arg, const std::string& name, std::ostream& log) {
  auto dir = absolute_dir(dir_arg);
  check_name(require_state(dir), name);
  dir_lock lock(dir);
  if (auto p = live_pid(dir, name)) {
    auto t0 = clock::now();
    detail::stop({*p}, stop_grace);
    log << fmt::format("stack: stopped {} (pid {}) in {:.1f} s\n", name, p->pid, seconds_since(t0));
  } else {
    log << fmt::format("stack: {} is not running in {}\n", name, dir.string());
  }
  fs::remove(detail::pid_path(dir, name));
}

void kill_component(const std::string& dir_arg, const std::string& name, std::ostream& log) {
  auto dir = absolute_dir(dir_arg);
  check_name(require_state(dir), name);
  dir_lock lock(dir);
  if (auto p = live_pid(dir, name)) {
    detail::kill_now({*p});
    log << fmt::format("stack: killed {} (pid {}) with SIGKILL\n", name, p->pid);
  } else {
    log << fmt::format("stack: {} is not running in {}\n", name, dir.string());
  }
  fs::remove(detail::pid_path(dir, name));
}

void pause_component(const std::string& dir_arg, const std::string& name, bool paused, std::ostream& log) {
  auto dir = absolute_dir(dir_arg);
  check_name(require_state(dir), name);
  auto p = live_pid(dir, name);
  if (!p) throw error(fmt::format("{} is not running in {}", name, dir.string()));
  // The whole group: s3rver's node or a server's helpers stop with it.
  int sig = paused ? SIGSTOP : SIGCONT;
  if (getpgid(p->pid) != p->pid || kill(-p->pid, sig) != 0) kill(p->pid, sig);
  log << fmt::format("stack: {} {} (pid {})\n", paused ? "paused" : "resumed", name, p->pid);
}

void start_component(const std::string& dir_arg, const std::string& name, std::ostream& log) {
  auto dir = absolute_dir(dir_arg);
  dir_lock lock(dir);
  auto s = require_state(dir);
  check_name(s, name);
  auto t0 = clock::now();
  if (auto p = live_pid(dir, name)) {
    log << fmt::format("stack: {} already runs (pid {})\n", name, p->pid);
    wait_ready(dir, {{detail::make_component(s, name), *p}}, false, t0, s.deadline, log);
    return;
  }
  wait_ready(dir, {start_one(s, name, log)}, true, t0, s.deadline, log);
  // A cluster node answers PING before it has rejoined (nodes.conf) the others.
  if (auto index = detail::redis_index(s, name); index && s.redis_cluster())
    detail::wait_cluster_ok(s.redis_ports[*index], s.redis_ports.size(), s.deadline);
}

std::map<std::string, std::string> read_env(const std::string& dir) {
  auto path = detail::env_path(absolute_dir(dir));
  auto env = detail::read_env_file(path);
  if (!env) throw error(fmt::format("no {}: the stack is not up (run `up`)", path.string()));
  return *env;
}

}  // namespace tracepipe::stack

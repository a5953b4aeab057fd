// `tracepipe stack up|down|status|stop|start|kill|pause|resume --dir DIR`
#include <iostream>

#include <fmt/format.h>

#include "stack/stack.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {

void add_topology_options(CLI::App* cmd, stack::options& o) {
  cmd->add_option("--clickhouse-replicas", o.clickhouse_replicas,
                  "1: one ClickHouse server; 2-5: that many replicas of one shard (cluster \"tracepipe\", "
                  "ReplicatedMergeTree's {shard}/{replica} macros) and one ZooKeeper, as production runs it")
      ->capture_default_str()
      ->check(CLI::Range(1, stack::max_clickhouse_replicas));
  auto* cluster = cmd->add_option(
      "--redis-cluster", o.redis_masters,
      fmt::format("0: one standalone Redis; {}-{}: a Redis Cluster of that many masters (cluster-enabled, AOF, "
                  "joined by redis-cli --cluster create), components redis:1 … redis:N",
                  stack::min_redis_masters, stack::max_redis_masters));
  cluster->capture_default_str();
  cmd->add_option("--redis-replicas", o.redis_replicas,
                  "With --redis-cluster: replicas per master (0-2), promoted when their master fails")
      ->capture_default_str()
      ->check(CLI::Range(0, stack::max_redis_replicas))
      ->needs(cluster);
}

void add_stack_command(CLI::App& app, action& run) {
  auto* cmd = app.add_subcommand("stack", "Start, stop or inspect a local Redis (one server, or a Redis Cluster) + "
                                          "ClickHouse (one server, or replicas with ZooKeeper) + S3 (s3rver) on free loopback ports under one directory; "
                                          "endpoints go to DIR/stack.env");
  cmd->require_subcommand(1);
  static stack::options opts;
  static std::string component;
  auto dir_option = [](CLI::App* sub) {
    sub->add_option("--dir", opts.dir, "Stack directory (data, logs, pids, stack.env)")->required();
  };

  auto* up = cmd->add_subcommand("up", "Start the stack and wait until every component answers");
  dir_option(up);
  up->add_option("--deadline", opts.deadline, "Seconds to wait for all components to answer")->capture_default_str();
  add_topology_options(up, opts);
  static long long node_timeout_ms = opts.redis_node_timeout.count();
  up->add_option("--redis-node-timeout", node_timeout_ms,
                 "With --redis-cluster: cluster-node-timeout in ms, how long a silent node takes to count as failed "
                 "(short, so that a failover takes seconds in tests)")
      ->capture_default_str()
      ->check(CLI::Range(100LL, 600000LL));
  up->add_option("--s3rver", opts.s3rver_path, "Path of the s3rver executable (default: .deps from tools/setup.sh)");
  up->callback([&run] {
    run = [] {
      opts.redis_node_timeout = std::chrono::milliseconds(node_timeout_ms);
      auto env = stack::up(opts, std::cerr);
      std::cout << "stack up: " << opts.dir << "/stack.env\n";
      for (const auto& [k, v] : env)
        if (k.find("SECRET") == std::string::npos && k.find("PASSWORD") == std::string::npos)
          std::cout << "  " << k << "=" << v << "\n";
      return 0;
    };
  });

  auto* down = cmd->add_subcommand("down", "Stop exactly the processes `up` started (data stays)");
  dir_option(down);
  down->callback([&run] { run = [] { stack::down(opts.dir, std::cerr); return 0; }; });

  auto* status = cmd->add_subcommand("status", "Say which components are alive; exit 1 unless all are");
  dir_option(status);
  status->callback([&run] {
    run = [] {
      bool all = true;
      for (const auto& c : stack::status(opts.dir)) {
        std::cout << fmt::format("{:<11} {:<6} pid {:<8} {}", c.name, c.alive ? "alive" : "DOWN", c.pid, c.endpoint);
        if (auto cpu = c.alive ? stack::cpu_of(opts.dir, c.name) : std::nullopt; cpu && cpu->cores)
          std::cout << fmt::format("  cpu limit {:g} cores, held back in {} of {} periods", *cpu->cores,
                                   cpu->throttled, cpu->periods);
        std::cout << "\n";
        all = all && c.alive;
      }
      return all ? 0 : 1;
    };
  });

  static std::string resource, value;
  auto* throttle = cmd->add_subcommand(
      "throttle",
      "Limit a ClickHouse server inside the real server, live: `cpu 0.25` (a quarter of one core, through its own "
      "cgroup; `cpu off` lifts it), `merges 1` (background merge threads; restarts it, as 18.16 reads them only at "
      "start; `merges default`), `disk 20MB/s` (cgroup v2 io.max only: cgroup v1 cannot hold ClickHouse's buffered "
      "writes, and says so; `disk off`)");
  dir_option(throttle);
  throttle->add_option("component", component,
                       "clickhouse; with replicas clickhouse:1 … clickhouse:N, or clickhouse for every one")
      ->required();
  throttle->add_option("resource", resource, "cpu, merges or disk")->required();
  throttle->add_option("value", value, "cores, merge threads or bytes per second; off (merges: default) lifts it")
      ->required();
  throttle->callback([&run] {
    run = [] {
      stack::apply_limit(opts.dir, component, stack::parse_limit(resource, value), std::cerr);
      return 0;
    };
  });

  // One component at a time: what fault tests and incident reproductions do.
  struct verb {
    const char* name;
    const char* help;
    void (*act)(const std::string& dir, const std::string& name);
  };
  static const verb verbs[] = {
      {"stop", "Stop one component (SIGTERM), keeping its port and data",
       [](const std::string& d, const std::string& n) { stack::stop_component(d, n, std::cerr); }},
      {"start", "Start one stopped component again on its port and data",
       [](const std::string& d, const std::string& n) { stack::start_component(d, n, std::cerr); }},
      {"kill", "Kill one component with SIGKILL (a crash: no shutdown); `start` brings it back",
       [](const std::string& d, const std::string& n) { stack::kill_component(d, n, std::cerr); }},
      {"pause", "Freeze one component (SIGSTOP): connections stay open, nothing is answered",
       [](const std::string& d, const std::string& n) { stack::pause_component(d, n, true, std::cerr); }},
      {"resume", "Let a paused component run again (SIGCONT)",
       [](const std::string& d, const std::string& n) { stack::pause_component(d, n, false, std::cerr); }},
  };
  for (const auto& v : verbs) {
    auto* sub = cmd->add_subcommand(v.name, v.help);
    dir_option(sub);
    sub->add_option("component", component,
                    "redis, clickhouse or s3; with replicas: zookeeper and clickhouse:1 … clickhouse:N; with a Redis "
                    "Cluster: redis:1 … redis:N")
        ->required();
    sub->callback([&run, act = v.act] {
      run = [act] {
        act(opts.dir, component);
        return 0;
      };
    });
  }
}

}  // namespace tracepipe::tools

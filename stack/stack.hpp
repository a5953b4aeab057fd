#pragma once

#include <chrono>
#include <iosfwd>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

/// Starts and stops a local Redis, ClickHouse and S3 (s3rver) on free
/// loopback ports under one directory: DIR/stack.env holds the endpoints,
/// DIR/logs/<name>.log each server's output, DIR/pids/<name>.pid its pid.
/// ClickHouse is one server, or N replicas of one shard with a ZooKeeper:
/// the topology LangSmith and Langfuse deploy to production.
namespace tracepipe::stack {

/// A start, stop or state failure. Startup failures name the component and
/// end with the last lines of its log.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where and how `up` starts the stack.
struct options {
  std::string dir;                    ///< state, data and logs; created if missing
  std::chrono::seconds deadline{60};  ///< until every component answers
  /// Empty: $TRACEPIPE_S3RVER, else `.deps/node_modules/.bin/s3rver` searched
  /// upward from the running executable's directory and from the cwd.
  std::string s3rver_path;
  std::string bucket = "tracepipe";   ///< created by s3rver at start
  /// 1: a single ClickHouse server, components "clickhouse"; N > 1: ZooKeeper
  /// ("zookeeper") and N replicas ("clickhouse:1" … "clickhouse:N") of one
  /// shard in the cluster "tracepipe", each its own <macros>.
  int clickhouse_replicas = 1;
  /// 0: one standalone Redis, component "redis"; M ≥ 3: a Redis Cluster of M
  /// masters with `redis_replicas` replicas each, components "redis:1" …
  /// "redis:N" (masters first), joined by redis-cli --cluster create.
  int redis_masters = 0;
  int redis_replicas = 0;
  /// cluster-node-timeout: how long a node may be silent before it counts as
  /// failed and its replica takes over. Short, so tests see a failover in seconds.
  std::chrono::milliseconds redis_node_timeout{2000};
};

/// A Redis Cluster needs three masters at least (a majority must vote a
/// failover); more than these only cost memory and ports.
inline constexpr int min_redis_masters = 3;
inline constexpr int max_redis_masters = 9;
inline constexpr int max_redis_replicas = 2;

/// More replicas than this only cost memory (~90 MB each) and add nothing.
inline constexpr int max_clickhouse_replicas = 5;

/// One server of the stack as `status` sees it.
struct component_status {
  std::string name;      ///< "redis", "redis:2", "zookeeper", "clickhouse", "clickhouse:2", "s3"
  int pid = 0;           ///< recorded pid, 0 if none
  bool alive = false;    ///< that very process runs (pid and start time match)
  std::string endpoint;  ///< e.g. redis://127.0.0.1:40123; empty if never started
};

/// Starts redis (or a Redis Cluster's nodes, then joins them), clickhouse
/// (or zookeeper and the replicas) and s3 under
/// `opts.dir` on 127.0.0.1 and free ports, waits until each answers, writes
/// DIR/stack.env and returns its map. On a DIR where all of them already run
/// it reports them and returns the existing env instead. Throws `error` on
/// failure, after stopping what it started.
std::map<std::string, std::string> up(const options& opts, std::ostream& log);

/// Stops exactly the processes `up` started (SIGTERM, then SIGKILL after a
/// grace period) and removes DIR/stack.env. Data stays in DIR.
void down(const std::string& dir, std::ostream& log);

/// Each component's pid, liveness and endpoint, in start order.
std::vector<component_status> status(const std::string& dir);

/// Stops one component; its port and data are kept for `start_component`.
void stop_component(const std::string& dir, const std::string& name, std::ostream& log);

/// Starts one component again on its port and data, and waits until it answers.
void start_component(const std::string& dir, const std::string& name, std::ostream& log);

/// Kills one component with SIGKILL — a crash: no shutdown, nothing flushed
/// that it had not written already — and waits until it is gone;
/// `start_component` brings it back on its port and data.
void kill_component(const std::string& dir, const std::string& name, std::ostream& log);

/// SIGSTOP (paused) or SIGCONT: a paused component keeps its connections
/// and port but answers nothing — slow, not dead.
void pause_component(const std::string& dir, const std::string& name, bool paused, std::ostream& log);

/// Limits a ClickHouse server's CPU live to `cores` (0.25: a quarter of one
/// core), or lifts the limit (nullopt). Each server runs in a cgroup of its
/// own from its start; `name` "clickhouse" on a replicated stack means every
/// replica. Throws `error` in one sentence where this machine has no
/// writable cgroup cpu controller, or for a component that is no ClickHouse.
void limit_cpu(const std::string& dir, const std::string& name, std::optional<double> cores, std::ostream& log);

/// Limits a ClickHouse server's disk reads and writes to `bytes_per_s` each
/// (cgroup v2's io.max), or lifts it. Refused under cgroup v1: its blkio
/// throttles only direct and synchronous I/O, and ClickHouse's part writes
/// go through the page cache.
void limit_disk(const std::string& dir, const std::string& name, std::optional<std::uint64_t> bytes_per_s,
                std::ostream& log);

/// One limit as `tracepipe stack throttle` and a scenario's `clickhouse:`
/// action write it.
struct limit {
  enum class resource { cpu, disk, merges };
  resource what = resource::cpu;
  std::optional<double> cores;               ///< cpu; nullopt: lifted
  std::optional<std::uint64_t> bytes_per_s;  ///< disk; nullopt: lifted
  int merge_threads = 0;                     ///< merges; 0: the server's default

  /// "cpu 0.25", "cpu off", "disk 20971520 B/s", "merges 1", "merges default".
  std::string describe() const;
  /// The same resource without a limit.
  limit lifted() const;
};

/// "cpu" with "0.25" or "off"; "disk" with "20MB" or "20MB/s" (per second)
/// or "off"; "merges" with "2" or "default". Throws `error` naming what is wrong.
limit parse_limit(std::string_view resource, std::string_view value);

/// Why this machine cannot take limits on `what` (one sentence); nullopt
/// when it can. Merge threads always can: they need only a restart.
std::optional<std::string> cannot_limit(limit::resource what);

/// limit_cpu, limit_disk or set_merge_threads, as `l` says.
void apply_limit(const std::string& dir, const std::string& name, const limit& l, std::ostream& log);

/// Restarts a ClickHouse server with `threads` background merge threads
/// (background_pool_size, which 18.16 reads only at start; 0: its default
/// of 16); later starts keep it. A stopped server gets it when next started.
void set_merge_threads(const std::string& dir, const std::string& name, int threads, std::ostream& log);

/// A ClickHouse server's CPU limit and how often the kernel held it back.
struct cpu_limit {
  std::optional<double> cores;  ///< nullopt: no limit
  std::uint64_t periods = 0;    ///< scheduler periods (100 ms) in which it ran
  std::uint64_t throttled = 0;  ///< of those, the periods it used up its quota in
};
/// nullopt when the server runs in no cgroup of its own (none here, or not running).
std::optional<cpu_limit> cpu_of(const std::string& dir, const std::string& name);

/// The map in DIR/stack.env, as `up` wrote it. Throws `error` if missing.
std::map<std::string, std::string> read_env(const std::string& dir);

}  // namespace tracepipe::stack

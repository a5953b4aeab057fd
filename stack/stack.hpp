#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
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

/// The map in DIR/stack.env, as `up` wrote it. Throws `error` if missing.
std::map<std::string, std::string> read_env(const std::string& dir);

}  // namespace tracepipe::stack

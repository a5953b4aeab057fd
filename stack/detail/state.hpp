#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tracepipe::stack::detail {

/// One clickhouse-server's ports.
struct clickhouse_ports {
  int http = 0;
  int tcp = 0;
  int interserver = 0;  ///< where replicas fetch parts from it; 0 on a single node
  /// background_pool_size, read at start by 18.16: fewer threads, fewer
  /// merges at once. 0: the server's default (16).
  int merge_threads = 0;
};

/// The `<remote_servers>` cluster a replicated stack defines (1 shard).
inline constexpr const char* cluster_name = "tracepipe";

/// Everything needed to relaunch a component exactly as `up` did; saved in
/// DIR/stack.state before the servers start.
struct stack_state {
  std::filesystem::path dir;  ///< absolute
  /// One port: a standalone Redis ("redis"), as before; more: the nodes of a
  /// Redis Cluster ("redis:1" … "redis:N"), masters first.
  std::vector<int> redis_ports;
  /// Cluster: each node's cluster bus port. Set, not Redis's default of
  /// port + 10000, which does not exist for a free port above 55535.
  std::vector<int> redis_bus_ports;
  int redis_replicas = 0;  ///< cluster: replicas per master
  std::chrono::milliseconds redis_node_timeout{2000};  ///< cluster: cluster-node-timeout
  /// One entry per ClickHouse server. One: a single node, as before; more:
  /// replicas of one shard, with ZooKeeper.
  std::vector<clickhouse_ports> clickhouse;
  int zookeeper_port = 0;  ///< 0: no ZooKeeper (a single node)
  int s3_port = 0;
  std::string s3rver_path;
  std::string bucket;
  std::chrono::seconds deadline{60};

  bool replicated() const { return clickhouse.size() > 1; }
  bool redis_cluster() const { return redis_ports.size() > 1; }
  /// Cluster: how many masters (the rest are their replicas).
  std::size_t redis_masters() const { return redis_ports.size() / static_cast<std::size_t>(redis_replicas + 1); }
};

/// Components in start order: "redis" (or "redis:1" … "redis:N"), zookeeper
/// (replicated only), then "clickhouse" for a single node or "clickhouse:1"
/// … "clickhouse:N", then s3.
std::vector<std::string> component_names(const stack_state& s);

/// The Redis node a component name means (0-based); nullopt if the name is
/// not a Redis server of this stack.
std::optional<std::size_t> redis_index(const stack_state& s, const std::string& name);

/// The ClickHouse replica a component name means (0-based); nullopt if the
/// name is not a ClickHouse server of this stack.
std::optional<std::size_t> clickhouse_index(const stack_state& s, const std::string& name);

/// DIR/<name>: stack.env, stack.state, logs/<component>.log, pids/<component>.pid.
std::filesystem::path env_path(const std::filesystem::path& dir);
std::filesystem::path state_path(const std::filesystem::path& dir);
std::filesystem::path log_path(const std::filesystem::path& dir, const std::string& component);
std::filesystem::path pid_path(const std::filesystem::path& dir, const std::string& component);

void save_state(const stack_state& s);

/// Reads DIR/stack.state; nullopt if `up` never ran there.
std::optional<stack_state> load_state(const std::filesystem::path& dir);

/// The endpoints and credentials clients need, as written to DIR/stack.env.
std::map<std::string, std::string> env_of(const stack_state& s);

/// Writes shell-sourceable KEY=VALUE lines atomically (temp file + rename).
void write_env_file(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                    const std::string& header);

/// Parses what `write_env_file` wrote; nullopt if the file is missing.
std::optional<std::map<std::string, std::string>> read_env_file(const std::filesystem::path& path);

}  // namespace tracepipe::stack::detail

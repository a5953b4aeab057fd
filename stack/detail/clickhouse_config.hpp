#pragma once

#include <string>
#include <vector>

namespace tracepipe::stack::detail {

/// Where a private clickhouse-server keeps its files and listens.
struct clickhouse_layout {
  std::string dir;  ///< absolute; data, tmp, logs and users.xml go below it
  int http_port = 0;
  int tcp_port = 0;
  int merge_threads = 0;  ///< background_pool_size; 0: the server's default
};

/// What makes a server one replica of the stack's cluster (1 shard × N).
struct replica_layout {
  std::string cluster;              ///< the `<remote_servers>` entry
  int replica = 0;                  ///< 1-based: macros {shard}=1, {replica}=replica_<n>
  std::vector<int> tcp_ports;       ///< every replica's, in order (this one's included)
  int interserver_http_port = 0;    ///< where the others fetch parts from this one
  int zookeeper_port = 0;
};

/// The server config: `defaults` (the Debian config.xml) without comments,
/// without its paths, logger, listen hosts and every top-level `*_port`,
/// plus ours: everything under `layout.dir`, 127.0.0.1, HTTP and TCP only.
/// With `replica`, also without the defaults' clusters, ZooKeeper, macros and
/// distributed DDL, replaced by the stack's.
std::string clickhouse_config(const std::string& defaults, const clickhouse_layout& layout,
                              const replica_layout* replica = nullptr);

/// The users file: `defaults` (the Debian users.xml) with
/// background_pool_size set in the default profile, where 18.16 reads it at
/// start, when `merge_threads` > 0; else `defaults` as it is.
std::string clickhouse_users(const std::string& defaults, int merge_threads);

/// Writes DIR/config.xml and DIR/users.xml from /etc/clickhouse-server's
/// files; returns the config path. Throws `error` if those are missing.
std::string write_clickhouse_config(const clickhouse_layout& layout, const replica_layout* replica = nullptr);

}  // namespace tracepipe::stack::detail

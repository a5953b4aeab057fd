#pragma once
// Reads the ingest queue and Redis itself once a second for the load
// generator's observer thread, with a blocking connection (a thread needs
// none of the queue library's Asio machinery): the queue depth (XLEN summed
// over the shard streams), the consumer group's pending entries and lag
// (XINFO GROUPS), memory used and operations per second (INFO). On a Redis
// Cluster each stream is read on its slot's master, and memory and
// operations are summed over the masters.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "queue/blocking_cluster.hpp"
#include "queue/blocking_redis.hpp"

namespace tracepipe::observe {

/// One master of a Redis Cluster: what it holds and does, and the group's
/// entries on the shard streams it serves.
struct master_reading {
  std::string node;  ///< "host:port"
  std::optional<double> memory_mib, ops_per_s;
  double pending = 0, group_lag = 0;
};

struct redis_reading {
  std::uint64_t queue_depth = 0;
  std::optional<double> memory_mib, ops_per_s;
  /// On a cluster, each master by its lowest slot; empty on a standalone Redis.
  std::vector<master_reading> masters;
  /// nullopt until the workers' group exists on every shard stream; lag also
  /// when Redis cannot tell (entries deleted before the group read them).
  std::optional<double> pending, group_lag;
};

/// The value of `name` in INFO's text ("name:value" lines), if a number.
std::optional<double> info_number(std::string_view info, std::string_view name);

class redis_sampler {
 public:
  /// url: redis://[[user]:password@]host[:port][/db], or `cluster`'s seed
  /// URLs when not empty; streams "<prefix>:{n}" read by the consumer group `group`.
  redis_sampler(std::string url, std::vector<std::string> cluster, std::string prefix, int shards, std::string group,
                std::chrono::milliseconds timeout);

  /// The figures now; nullopt with error() set when Redis cannot be asked
  /// (it reconnects on the next call).
  std::optional<redis_reading> read();
  /// Why the last read() failed.
  const std::string& error() const { return error_; }

 private:
  bool connect();
  /// One command about `key`: on its slot's master in a cluster. Null when
  /// Redis did not answer (error_ says so).
  queue::owned_reply ask(std::string_view key, std::initializer_list<std::string_view> argv);
  bool read_depth(redis_reading& r);
  bool read_group(redis_reading& r);
  bool read_info(redis_reading& r);
  /// The entry of r.masters serving `key`'s slot; null on a standalone Redis.
  master_reading* master_serving(redis_reading& r, const std::string& key) const;

  std::string url_;
  std::vector<std::string> cluster_seeds_;
  std::string prefix_, group_;
  int shards_;
  std::chrono::milliseconds timeout_;
  std::optional<queue::blocking_redis> redis_;      ///< empty: connect on the next read
  std::optional<queue::blocking_cluster> cluster_;  ///< instead, on a cluster
  std::string error_;
};

}  // namespace tracepipe::observe

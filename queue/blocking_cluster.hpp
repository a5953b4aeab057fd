#pragma once
// A Redis Cluster for code on a plain thread — a worker's reads, probes,
// tests: one blocking connection per node, opened when first needed, and
// the slot map. Each call goes to the master of its key's slot and follows
// the cluster's answers as cluster_route decides (MOVED, ASK, a failover).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/backoff.hpp"
#include "queue/blocking_redis.hpp"
#include "queue/cluster_options.hpp"
#include "queue/cluster_route.hpp"
#include "queue/cluster_slots.hpp"

namespace tracepipe::queue {

class blocking_cluster {
 public:
  /// Loads the map from the first seed that answers; nullopt with *error
  /// (one sentence naming the seed) when none does, or when a seed is a
  /// standalone Redis.
  static std::optional<blocking_cluster> connect(cluster_options options, std::string* error);

  /// `commands` in one round trip on the master of `key`'s slot: one
  /// command, a pipeline, or MULTI … EXEC (every command on that one key's
  /// slot). One reply per command; empty, with error() saying why, when the
  /// route gave up. A reply may be the command's own error.
  std::vector<owned_reply> on_slot_of(std::string_view key, const std::vector<std::vector<std::string_view>>& commands);
  /// One command on `key`'s slot; null when on_slot_of() would be empty.
  owned_reply command(std::string_view key, std::initializer_list<std::string_view> argv);
  /// One command on `node` itself, whatever slots it serves (INFO, CLUSTER …):
  /// no redirection followed; null when it does not answer (error() says why).
  owned_reply on_node(const cluster_node& node, std::initializer_list<std::string_view> argv);
  /// Reloads the map from the first node that answers: masters first, then
  /// seeds; `last` (one that just did not answer) only after all of them.
  bool reload_map(const std::string& last = {});
  const slot_map& map() const { return map_; }
  /// Why the last call failed.
  const std::string& error() const { return error_; }

 private:
  explicit blocking_cluster(cluster_options options);
  /// The connection to `node`, opened if need be; null if it cannot be.
  blocking_redis* node(const cluster_node& n);
  bool load_map_from(const cluster_node& n, std::string* why);

  cluster_options options_;
  common::backoff_policy backoff_;
  slot_map map_;
  std::map<std::string, blocking_redis> connections_;  ///< by "host:port"
  std::string error_;
};

}  // namespace tracepipe::queue

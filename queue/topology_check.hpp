#pragma once
// Redis as configured against Redis as it is, checked at start and refused
// in one sentence: a standalone URL that reaches a cluster node (its first
// command would answer MOVED), a seed that is a standalone Redis, seeds of
// two different clusters. A server that does not answer is not judged: the
// clients wait for it, as they do for a standalone Redis that is down.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/redis_endpoint.hpp"

namespace tracepipe::queue {

/// What one server said about itself.
struct redis_identity {
  std::string name;                  ///< "host:port", for messages
  bool answered = false;
  bool cluster_enabled = false;      ///< INFO cluster: cluster_enabled:1
  std::string id;                    ///< CLUSTER MYID
  std::vector<std::string> members;  ///< node ids of CLUSTER SHARDS: the cluster it knows
};

/// Asks the server at `endpoint` (logging in as it says).
redis_identity identify(const common::redis_endpoint& endpoint, std::chrono::milliseconds timeout);

/// The refusal for redis.url's server, if any.
std::optional<std::string> standalone_refusal(const redis_identity& server);
/// The refusal for redis.cluster's seeds, if any.
std::optional<std::string> cluster_refusal(const std::vector<redis_identity>& seeds);

/// Both, as configured: `cluster` (seed URLs) when not empty, else `url`.
/// URLs that do not parse are left to the clients, which refuse them.
std::optional<std::string> topology_refusal(const std::string& url, const std::vector<std::string>& cluster,
                                            std::chrono::milliseconds timeout);

}  // namespace tracepipe::queue

#include "queue/topology_check.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>

#include <fmt/format.h>

#include "queue/blocking_redis.hpp"
#include "queue/cluster_replies.hpp"

namespace tracepipe::queue {
namespace {

std::string text_of(const owned_reply& r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? std::string(r->str, r->len) : "";
}

}  // namespace

redis_identity identify(const common::redis_endpoint& endpoint, std::chrono::milliseconds timeout) {
  redis_identity who;
  who.name = endpoint.display();
  auto c = blocking_redis::connect(endpoint, timeout);
  if (!c) return who;
  auto info = text_of(c->command({"INFO", "cluster"}));
  if (info.empty()) return who;
  who.answered = true;
  who.cluster_enabled = info.find("cluster_enabled:1") != std::string::npos;
  if (!who.cluster_enabled) return who;
  who.id = text_of(c->command({"CLUSTER", "MYID"}));
  auto shards = c->command({"CLUSTER", "SHARDS"});
  if (shards) who.members = cluster_node_ids(*shards);
  return who;
}

std::optional<std::string> standalone_refusal(const redis_identity& server) {
  if (!server.answered || !server.cluster_enabled) return std::nullopt;
  return fmt::format("redis.url points at {}, a node of a Redis Cluster (cluster_enabled:1), whose first command "
                     "for a slot it does not serve would answer MOVED: list the cluster's nodes under redis.cluster",
                     server.name);
}

std::optional<std::string> cluster_refusal(const std::vector<redis_identity>& seeds) {
  const redis_identity* first = nullptr;
  for (const auto& s : seeds) {
    if (!s.answered) continue;
    if (!s.cluster_enabled)
      return fmt::format("redis.cluster lists {}, a standalone Redis (cluster_enabled:0): give it as redis.url, "
                         "or list a cluster's nodes",
                         s.name);
    if (!first) {
      first = &s;
      continue;
    }
    // One cluster: each seed is among the nodes the first one knows.
    if (std::find(first->members.begin(), first->members.end(), s.id) == first->members.end())
      return fmt::format("redis.cluster lists nodes of two different clusters: {} is not among the nodes {} knows",
                         s.name, first->name);
  }
  return std::nullopt;
}

std::optional<std::string> topology_refusal(const std::string& url, const std::vector<std::string>& cluster,
                                            std::chrono::milliseconds timeout) {
  if (cluster.empty()) {
    auto endpoint = common::parse_redis_url(url);
    return endpoint ? standalone_refusal(identify(*endpoint, timeout)) : std::nullopt;
  }
  std::vector<redis_identity> seeds;
  for (const auto& seed : cluster)
    if (auto endpoint = common::parse_redis_url(seed)) seeds.push_back(identify(*endpoint, timeout));
  return cluster_refusal(seeds);
}

}  // namespace tracepipe::queue

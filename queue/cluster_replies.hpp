#pragma once
// What cluster nodes answer, read from hiredis replies: the slot map as
// CLUSTER SHARDS (Redis 7.0) tells it — a shard lists its old master too
// while it is down (role master, health fail) beside the promoted replica:
// the master that is online wins — and the redirection an error reply asks for.
#include <optional>
#include <string>
#include <vector>

#include "queue/cluster_slots.hpp"

struct redisReply;

namespace tracepipe::queue {

/// The ranges of every shard that has a master; nullopt with `error` set when
/// the reply is not CLUSTER SHARDS' shape (e.g. an error reply: "ERR This
/// instance has cluster support disabled").
std::optional<std::vector<slot_range>> parse_cluster_shards(const redisReply& reply, std::string& error);

/// The id of every node CLUSTER SHARDS lists, masters and replicas: the
/// cluster the answering node knows. Empty for any other reply.
std::vector<std::string> cluster_node_ids(const redisReply& shards);

/// classify_cluster_error() of an error reply; `none` for any other reply or null.
cluster_redirect redirect_of(const redisReply* reply);

}  // namespace tracepipe::queue

#pragma once
// The slot map as a node tells it: CLUSTER SHARDS (Redis 7.0) parsed into
// the ranges each master serves. A shard lists its old master too while it
// is down (role master, health fail) beside the promoted replica: the
// master that is online wins.
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

}  // namespace tracepipe::queue

#pragma once
// Which stream a run goes to: a stable hash of its trace_id, so a whole trace
// lands on one shard, and keys with a hash tag ("<prefix>:{n}") so shards
// spread over a Redis Cluster.
#include <cstddef>
#include <string>
#include <string_view>

namespace tracepipe::queue {

std::size_t shard_of(std::string_view trace_id, std::size_t shards);
std::string stream_key(std::string_view prefix, std::size_t shard);

}  // namespace tracepipe::queue

#pragma once
// A Redis Cluster out of the stack's Redis nodes: joined once by
// `redis-cli --cluster create` when `up` starts them fresh; each node's
// nodes.conf brings it back into the cluster on a restart.
#include <chrono>
#include <iosfwd>

#include "stack/detail/state.hpp"

namespace tracepipe::stack::detail {

/// Joins every node — the first redis_masters() as masters; then replica
/// redis:M+k follows master redis:(k mod M)+1 — and waits until every node
/// says cluster_state:ok and knows all the others, and every replica's link
/// to its master is up. Throws `error` with redis-cli's output if that fails.
void form_redis_cluster(const stack_state& s, std::ostream& log);

/// Waits until the node on `port` says cluster_state:ok and knows `nodes`
/// nodes; throws `error` naming what it said last after `deadline`.
void wait_cluster_ok(int port, std::size_t nodes, std::chrono::seconds deadline);

}  // namespace tracepipe::stack::detail

#pragma once
// Which consumers of the group to remove. Every worker process adds its own
// consumers (<host>-<pid>-<pipeline>), so under autoscaling a group that
// keeps them grows without end. A consumer is removed once, on every
// stream, it holds nothing, its heartbeat key has expired (a live worker
// renews it every reclaim round, for `expiry`) and it was handed nothing for
// `expiry`. A dead one's entries are first reclaimed by live ones
// (worker.reclaim_idle). Redis 7.0's idle time alone would not do: a live
// consumer whose reads find nothing looks idle however often it reads, and
// removing one as entries reach it would strand them (XGROUP DELCONSUMER
// drops its pending list). Pure: no I/O, unit-tested.
#include <chrono>
#include <string>
#include <vector>

#include "queue/stream_consumer.hpp"

namespace tracepipe::queue {

/// The names to remove, each once, in name order; none of `own` (this
/// process's consumers). expiry ≤ 0: none.
std::vector<std::string> consumers_to_remove(const std::vector<consumer_state>& seen, std::chrono::milliseconds expiry,
                                             const std::vector<std::string>& own);

}  // namespace tracepipe::queue

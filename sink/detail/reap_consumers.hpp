#pragma once
// Removes the group's consumers that queue::consumers_to_remove() names (left
// by worker processes that are gone), saying so on stderr; and a pipeline's
// own consumer when it stops holding nothing.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "queue/stream_consumer.hpp"

namespace tracepipe::sink::detail {

/// How many were removed; stops at the first Redis error (the read loop reports Redis trouble).
std::size_t reap_consumers(queue::stream_consumer& consumer, std::chrono::milliseconds expiry,
                           const std::vector<std::string>& own, const std::string& worker_name);

/// Removes `consumer`'s own consumer from the group if it holds nothing on
/// any stream (a drained stop); true when it did.
bool leave_group(queue::stream_consumer& consumer, const std::string& name);

}  // namespace tracepipe::sink::detail

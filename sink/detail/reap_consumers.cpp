#include "sink/detail/reap_consumers.hpp"

#include <iostream>

#include <fmt/format.h>

#include "queue/consumer_reaper.hpp"

namespace tracepipe::sink::detail {

std::size_t reap_consumers(queue::stream_consumer& consumer, std::chrono::milliseconds expiry,
                           const std::vector<std::string>& own, const std::string& worker_name) {
  std::vector<queue::consumer_state> seen;
  if (consumer.list_consumers(seen)) return 0;
  std::size_t removed = 0;
  for (const auto& name : queue::consumers_to_remove(seen, expiry, own)) {
    if (consumer.remove_consumer(name)) break;
    ++removed;
    std::cerr << fmt::format(
        "tracepipe worker {}: removed consumer {} from the group (nothing pending, idle over {} s: "
        "worker.consumer_expiry)\n",
        worker_name, name, std::chrono::duration_cast<std::chrono::seconds>(expiry).count());
  }
  return removed;
}

bool leave_group(queue::stream_consumer& consumer, const std::string& name) {
  std::vector<queue::consumer_state> seen;
  if (consumer.list_consumers(seen)) return false;
  for (const auto& c : seen)
    if (c.name == name && c.pending > 0) return false;  // left to be reclaimed by the others
  return !consumer.remove_consumer(name);
}

}  // namespace tracepipe::sink::detail

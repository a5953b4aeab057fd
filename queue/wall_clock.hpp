#pragma once
// The clock of every timestamp a run carries through the queue (received_at,
// enqueued_at, dequeued_at, sent_at, acked_at; DESIGN.md): µs since the epoch.
#include <chrono>
#include <cstdint>

namespace tracepipe::queue {

inline std::uint64_t wall_clock_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace tracepipe::queue

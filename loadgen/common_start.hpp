#pragma once
// Second 0 of a load, shared by generators on several machines: a moment on
// the wall clock (`--start-at`) turned into the steady clock the schedule
// runs on, and the wait until then.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace tracepipe::loadgen {

struct common_start {
  std::chrono::steady_clock::time_point steady;  ///< second 0 for the pacer
  std::uint64_t wall_us = 0;                     ///< second 0, µs since the epoch (summary.json's start_wall_us)
  std::chrono::nanoseconds wait{0};              ///< how long until then
};

/// Sans-io: second 0 given the clocks' readings now. Without `at`, now.
/// Throws std::runtime_error when `at` passed more than a second ago — that
/// generator would not start with the others.
common_start plan_start(std::optional<std::chrono::system_clock::time_point> at,
                        std::chrono::system_clock::time_point wall_now, std::chrono::steady_clock::time_point steady_now);

/// plan_start on the real clocks, then sleeps until second 0 (a stop request
/// ends the wait early); says on `progress` (when given) how long it waits.
common_start wait_for_start(std::optional<std::chrono::system_clock::time_point> at, const std::atomic<bool>* stop,
                            std::ostream* progress, const std::string& segment);

}  // namespace tracepipe::loadgen

#pragma once
// The one backoff every retry in the project shares — the sink's inserts,
// PUTs and reads (sink/retry_policy.hpp), the queue's cluster redirections
// (queue/cluster_route.hpp): exponential, capped, jittered. Pure logic: the
// jitter's randomness is injected, so tests script it.
#include <chrono>
#include <functional>
#include <random>

namespace tracepipe::common {

/// Picks a wait in [lo, hi], both inclusive.
using jitter_source =
    std::function<std::chrono::milliseconds(std::chrono::milliseconds lo, std::chrono::milliseconds hi)>;

/// Uniform picks from `engine`, which must outlive the source.
jitter_source uniform_jitter(std::mt19937_64& engine);
/// Uniform picks from an engine of the calling thread's own: for an owner
/// that moves, or is shared by threads, and so cannot hold the engine.
jitter_source per_thread_jitter();

/// Exponential backoff from `initial`, doubling per attempt, capped at `max`,
/// with jitter: the wait is picked in [ceiling / 2, ceiling], so clients
/// retrying after one outage do not come back in step.
class backoff_policy {
 public:
  /// The attempt whose ceiling is the longest there is: doubling stops here.
  static constexpr int longest = 16;

  backoff_policy(std::chrono::milliseconds initial, std::chrono::milliseconds max, jitter_source jitter);

  /// initial × 2^min(attempt, longest), at most max. Attempt 0 is the first retry.
  std::chrono::milliseconds ceiling(int attempt) const;
  /// The wait before retry `attempt`, jittered below its ceiling.
  std::chrono::milliseconds wait(int attempt) const;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  jitter_source jitter_;
};

}  // namespace tracepipe::common

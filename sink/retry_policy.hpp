#pragma once
// How long to wait before trying again, and when to stop trying: the one
// backoff (exponential, capped, jittered) and the one shutdown-deadline rule
// every retry in the sink shares — ClickHouse inserts (insert_plan.hpp), S3
// PUTs, XACK, dead-letter XADD and Redis reads.
// Pure logic: the caller passes the time in and the jitter's randomness is
// injected, so tests script both.
#include <chrono>
#include <functional>
#include <random>

namespace tracepipe::sink {

using retry_clock = std::chrono::steady_clock;

/// Picks a wait in [lo, hi], both inclusive.
using jitter_source =
    std::function<std::chrono::milliseconds(std::chrono::milliseconds lo, std::chrono::milliseconds hi)>;

/// Uniform picks from `engine`, which must outlive the source.
jitter_source uniform_jitter(std::mt19937_64& engine);

/// Exponential backoff from `initial`, doubling per attempt, capped at `max`,
/// with jitter: the wait is picked in [ceiling / 2, ceiling], so pipelines
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

/// Whether retrying is over: the shutdown deadline has passed. `deadline` is
/// time_point::max() until a stop is requested.
constexpr bool past_deadline(retry_clock::time_point now, retry_clock::time_point deadline) { return now > deadline; }

/// One operation retried until it succeeds or the shutdown deadline passes
/// (an XACK, a dead-letter XADD, the S3 PUTs of a batch, Redis reads):
/// counts the failures and says when to try again. After the wait, the
/// caller gives up when past_deadline() says so.
class retry_loop {
 public:
  explicit retry_loop(const backoff_policy& policy) : policy_(&policy) {}

  /// The attempt failed at `now`: when to try again.
  retry_clock::time_point failed(retry_clock::time_point now) { return now + policy_->wait(failures_++); }
  /// The operation worked: the next failure starts from the shortest wait again.
  void succeeded() { failures_ = 0; }
  /// Failures since the start or the last success; 0 before the first (to report an outage once).
  int failures() const { return failures_; }

 private:
  const backoff_policy* policy_;
  int failures_ = 0;
};

}  // namespace tracepipe::sink

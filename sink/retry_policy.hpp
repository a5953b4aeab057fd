#pragma once
// When to stop trying: the one shutdown-deadline rule every retry in the
// sink shares — ClickHouse inserts (insert_plan.hpp), S3 PUTs, XACK,
// dead-letter XADD and Redis reads — on the project's one backoff
// (common/backoff.hpp). Pure logic: the caller passes the time in.
#include <chrono>

#include "common/backoff.hpp"

namespace tracepipe::sink {

using retry_clock = std::chrono::steady_clock;
using common::backoff_policy;
using common::jitter_source;
using common::uniform_jitter;

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

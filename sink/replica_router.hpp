#pragma once
// Which ClickHouse replica a pipeline's next request goes to: the decision
// alone, without sockets or clocks of its own (the caller passes the time),
// unit-tested with a scripted clock as batcher.hpp is.
//
// As a Kubernetes Service in front of the replicas would: round robin over
// the healthy ones, so consecutive inserts — and so a retry after a failure —
// land on different replicas. A replica that gave no answer at all (refused,
// reset, timed out) is skipped until a ping answers; pings are due every
// probe interval while it is out. A replica that answered with an error
// stays in: the server is up, and the retry goes to the next one anyway.
// With every replica out, requests still go somewhere — the one out longest —
// so a cluster-wide outage is retried and reported, never silently waited on.
#include <chrono>
#include <cstddef>
#include <vector>

namespace tracepipe::sink {

class replica_router {
 public:
  using clock = std::chrono::steady_clock;

  /// `replicas` ≥ 1; `first` spreads several pipelines' first picks.
  replica_router(std::size_t replicas, std::size_t first, std::chrono::milliseconds probe_interval);

  /// The replica for the next request.
  std::size_t pick();

  /// The request to replica `r` got an answer (whatever its status).
  void answered(std::size_t r);
  /// The request to replica `r` got no answer: skip it until a ping answers.
  void unanswered(std::size_t r, clock::time_point now);

  /// Replicas that are out and due a ping at `now`; each is then not due
  /// again until a probe interval later.
  std::vector<std::size_t> due_probes(clock::time_point now);
  /// A ping's outcome: an answer brings the replica back.
  void probed(std::size_t r, bool answered, clock::time_point now);

  bool in(std::size_t r) const { return !state_[r].out; }
  std::size_t size() const { return state_.size(); }

 private:
  struct replica {
    bool out = false;
    clock::time_point out_since{};
    clock::time_point next_probe{};
  };
  void take_out(std::size_t r, clock::time_point now);

  std::vector<replica> state_;
  std::size_t next_;
  std::chrono::milliseconds probe_interval_;
};

}  // namespace tracepipe::sink

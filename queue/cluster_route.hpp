#pragma once
// Where one command — or one key's MULTI … EXEC — goes in a Redis Cluster,
// and what each answer means for it (the cluster spec, "Redirection and
// resharding"): -MOVED updates the map and resends; -ASK resends once to the
// importing node after ASKING, map unchanged; TRYAGAIN, CLUSTERDOWN, LOADING
// and an unreachable node wait (backing off) and resend to whoever serves
// the slot by then. Pure logic: the caller passes the time in and does the
// I/O, so tests script a failover with a clock.
#include <chrono>
#include <cstdint>
#include <string>

#include "common/backoff.hpp"
#include "queue/cluster_slots.hpp"

namespace tracepipe::queue {

struct cluster_route_limits {
  /// MOVED/ASK hops for one command; more means the map keeps changing under it.
  int max_redirects = 5;
  /// From the first send: after it, the command fails (ingest answers 503,
  /// the worker retries its read later). A failover takes seconds.
  std::chrono::milliseconds budget{5000};
};

/// The caller's next move.
struct route_step {
  enum class kind {
    send,  ///< send the command to `node` (after ASKING when `asking`)
    wait,  ///< wait until `until`, then call waited()
    fail,  ///< give up with `error`, one sentence
  };
  kind what = kind::fail;
  cluster_node node{};
  bool asking = false;
  /// The map is stale: reload it (CLUSTER SHARDS) before or while following this step.
  bool reload_map = false;
  std::chrono::steady_clock::time_point until{};
  std::string error{};
};

class cluster_route {
 public:
  using clock = std::chrono::steady_clock;

  /// `backoff` must outlive the route.
  cluster_route(std::uint16_t slot, const common::backoff_policy& backoff, cluster_route_limits limits,
                clock::time_point now);

  /// The first step, from the map as it is.
  route_step start(const slot_map& map, clock::time_point now);
  /// The node answered with an error that `redirect` classifies (not `none`:
  /// any other answer ends the route). A MOVED updates `map`.
  route_step redirected(const cluster_redirect& redirect, slot_map& map, clock::time_point now);
  /// The node could not be reached: refused, reset, timed out.
  route_step unreachable(clock::time_point now);
  /// The wait is over: resend to whoever serves the slot in `map` now.
  route_step waited(const slot_map& map, clock::time_point now);

  std::uint16_t slot() const { return slot_; }

 private:
  route_step send_to_owner(const slot_map& map, clock::time_point now);
  route_step wait(clock::time_point now, bool reload_map, const std::string& why);
  route_step fail(std::string error) const;

  std::uint16_t slot_;
  const common::backoff_policy* backoff_;
  cluster_route_limits limits_;
  clock::time_point started_;
  int redirects_ = 0;
  int waits_ = 0;
};

}  // namespace tracepipe::queue

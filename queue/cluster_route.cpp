#include "queue/cluster_route.hpp"

#include <fmt/format.h>

namespace tracepipe::queue {

cluster_route::cluster_route(std::uint16_t slot, const common::backoff_policy& backoff, cluster_route_limits limits,
                             clock::time_point now)
    : slot_(slot), backoff_(&backoff), limits_(limits), started_(now) {}

route_step cluster_route::start(const slot_map& map, clock::time_point now) { return send_to_owner(map, now); }

route_step cluster_route::send_to_owner(const slot_map& map, clock::time_point now) {
  const auto* owner = map.owner(slot_);
  if (!owner) return wait(now, true, "no master serves it");
  return {.what = route_step::kind::send, .node = *owner};
}

route_step cluster_route::redirected(const cluster_redirect& redirect, slot_map& map, clock::time_point now) {
  using kind = cluster_redirect::kind;
  switch (redirect.what) {
    case kind::moved:
    case kind::ask:
      if (++redirects_ > limits_.max_redirects)
        return fail(fmt::format("slot {} was redirected more than {} times (last to {}): the cluster's slots keep "
                                "moving",
                                slot_, limits_.max_redirects, redirect.node.text()));
      if (redirect.what == kind::ask) return {.what = route_step::kind::send, .node = redirect.node, .asking = true};
      // The spec's advice: fix this slot at once, reload the whole map soon
      // (a MOVED rarely comes alone — a failover or a resharding moved more).
      map.moved(redirect.slot, redirect.node);
      return {.what = route_step::kind::send, .node = redirect.node, .reload_map = true};
    case kind::try_again: return wait(now, false, "TRYAGAIN (a migration in progress)");
    case kind::cluster_down: return wait(now, true, "CLUSTERDOWN (no master for it yet)");
    case kind::loading: return wait(now, false, "LOADING (its node is reading its data)");
    case kind::none: break;
  }
  return fail(fmt::format("slot {}: redirected() called with an answer that is not a redirect", slot_));
}

route_step cluster_route::unreachable(clock::time_point now) {
  // A node that does not answer may be gone for good, its replica promoted:
  // the map tells after a reload.
  return wait(now, true, "its master did not answer");
}

route_step cluster_route::waited(const slot_map& map, clock::time_point now) { return send_to_owner(map, now); }

route_step cluster_route::wait(clock::time_point now, bool reload_map, const std::string& why) {
  auto until = now + backoff_->wait(waits_++);
  if (until > started_ + limits_.budget)
    return fail(fmt::format("slot {} could not be served within {} ms: {}", slot_, limits_.budget.count(), why));
  return {.what = route_step::kind::wait, .reload_map = reload_map, .until = until};
}

route_step cluster_route::fail(std::string error) const { return {.what = route_step::kind::fail, .error = std::move(error)}; }

}  // namespace tracepipe::queue

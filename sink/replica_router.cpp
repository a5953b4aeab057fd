#include "sink/replica_router.hpp"

#include <stdexcept>

namespace tracepipe::sink {

replica_router::replica_router(std::size_t replicas, std::size_t first, std::chrono::milliseconds probe_interval)
    : state_(replicas), next_(replicas ? first % replicas : 0), probe_interval_(probe_interval) {
  if (replicas == 0) throw std::invalid_argument("replica_router needs at least one replica");
}

std::size_t replica_router::pick() {
  const auto n = state_.size();
  for (std::size_t step = 0; step < n; ++step) {
    auto r = (next_ + step) % n;
    if (!state_[r].out) {
      next_ = (r + 1) % n;
      return r;
    }
  }
  // All out: the one out longest, and the next pick tries another.
  std::size_t oldest = 0;
  for (std::size_t r = 1; r < n; ++r)
    if (state_[r].out_since < state_[oldest].out_since) oldest = r;
  next_ = (oldest + 1) % n;
  return oldest;
}

void replica_router::answered(std::size_t r) { state_.at(r).out = false; }

void replica_router::take_out(std::size_t r, clock::time_point now) {
  auto& s = state_.at(r);
  if (!s.out) s.out_since = now;
  s.out = true;
  s.next_probe = now + probe_interval_;
}

void replica_router::unanswered(std::size_t r, clock::time_point now) { take_out(r, now); }

std::vector<std::size_t> replica_router::due_probes(clock::time_point now) {
  std::vector<std::size_t> due;
  for (std::size_t r = 0; r < state_.size(); ++r) {
    auto& s = state_[r];
    if (!s.out || now < s.next_probe) continue;
    s.next_probe = now + probe_interval_;
    due.push_back(r);
  }
  return due;
}

void replica_router::probed(std::size_t r, bool answered_ping, clock::time_point now) {
  if (answered_ping) answered(r);
  else take_out(r, now);
}

}  // namespace tracepipe::sink

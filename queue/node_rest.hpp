#pragma once
// Which cluster nodes a consumer leaves alone for a while, after they did
// not answer. A frozen node costs a command timeout per try; without rest,
// every read round would pay it and the shards on the other nodes would
// stall behind it. Pure logic: the caller passes the time in.
#include <chrono>
#include <map>
#include <string>

#include "common/backoff.hpp"

namespace tracepipe::queue {

class node_rest {
 public:
  using clock = std::chrono::steady_clock;

  /// `backoff` gives the rests, doubling per failure in a row; it must outlive this.
  explicit node_rest(const common::backoff_policy& backoff) : backoff_(&backoff) {}

  /// Not to be asked before its rest is over.
  bool resting(const std::string& node, clock::time_point now) const;
  /// It did not answer: rest it, longer than last time.
  void failed(const std::string& node, clock::time_point now);
  /// It answered: ask it freely again.
  void answered(const std::string& node) { nodes_.erase(node); }

 private:
  struct state {
    int failures = 0;
    clock::time_point until{};
  };
  const common::backoff_policy* backoff_;
  std::map<std::string, state> nodes_;
};

}  // namespace tracepipe::queue

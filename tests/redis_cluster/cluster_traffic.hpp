#pragma once
// Traffic and topology changes the Redis Cluster tests put the write path
// through: a steady stream of batch requests to ingest, and a live
// migration of one key's slot (IMPORTING/MIGRATING, MIGRATE, NODE) between
// its steps.
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "queue/blocking_cluster.hpp"

namespace tracepipe::test {

/// Sends batches of 20 runs (40 operations) one after another until stopped.
class steady_sender {
 public:
  explicit steady_sender(std::string url);
  ~steady_sender() { stop(); }
  void stop();
  /// Returns once `more` requests more were answered (or sending failed).
  void wait_requests(std::size_t more) const;
  std::size_t accepted() const { return accepted_; }
  std::size_t requests() const { return requests_; }
  /// Why sending stopped early; "" while every request was accepted.
  const std::string& refused() const { return refused_; }

 private:
  void run();
  std::string url_;
  std::atomic<bool> done_{false};
  std::atomic<std::size_t> accepted_{0}, requests_{0};
  std::string refused_;
  std::thread thread_;
};

/// Moves `key`'s slot from its master to another one, the way redis-cli
/// --cluster reshard does, calling `between()` after each step: slot marked
/// IMPORTING/MIGRATING (clients get ASK for keys already moved), the slot's
/// keys MIGRATEd (ASK for them), the slot assigned to the target everywhere (MOVED).
/// Returns the target; throws if a step is refused.
queue::cluster_node migrate_slot(queue::blocking_cluster& c, const std::string& key,
                                 const std::function<void()>& between);

}  // namespace tracepipe::test

#pragma once
// Samples the queue depth (entries over all shard streams, XLEN) on a timer,
// for admission control and /metrics. Workers delete entries once they are
// acknowledged, so XLEN is the backlog: unread plus pending.
#include <atomic>
#include <cstdint>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "queue/stream_producer.hpp"

namespace tracepipe::queue {

class depth_sampler : public std::enable_shared_from_this<depth_sampler> {
 public:
  depth_sampler(stream_producer& producer, std::chrono::milliseconds interval);
  void start();
  void stop();

  /// Last sampled depth; 0 before the first sample.
  std::uint64_t depth() const { return depth_.load(std::memory_order_relaxed); }

 private:
  void sample();
  void schedule();

  stream_producer& producer_;
  std::chrono::milliseconds interval_;
  boost::asio::steady_timer timer_;
  std::atomic<std::uint64_t> depth_{0};
  bool stopped_ = false;
};

}  // namespace tracepipe::queue

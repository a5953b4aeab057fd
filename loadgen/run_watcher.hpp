#pragma once
// What the load runner tells whoever watches the write path behind the
// target (observe::observer with --stack), and the figures it reads back for
// the progress line. An interface, so loadgen does not depend on observe/.
#include <chrono>
#include <cstdint>
#include <optional>
#include <algorithm>
#include <string>

namespace tracepipe::loadgen {

class run_watcher {
 public:
  using clock = std::chrono::steady_clock;
  virtual ~run_watcher() = default;

  /// The load's second 0 is fixed: start watching.
  virtual void begin(clock::time_point start) = 0;
  /// From the load thread: cheap check first, so ids are built only for the sample.
  virtual bool wants_probe(clock::time_point now) = 0;
  /// An accepted run to look for behind the target, sent at `sent_at`.
  virtual void probe(std::string run_id, clock::time_point sent_at) = 0;
  /// Latest readings for the progress line.
  virtual std::optional<std::uint64_t> queue_depth() const = 0;
  virtual std::optional<double> lag_p99_ms() const = 0;
};

/// Which accepted runs to probe: a token bucket of `per_second` holding at
/// most one second's worth, so the sample is even over time. Load thread only.
class probe_sampler {
 public:
  using clock = std::chrono::steady_clock;
  explicit probe_sampler(double per_second = 0) : per_second_(per_second) {}
  void begin(clock::time_point start) { last_ = start; }
  bool take(clock::time_point now) {
    if (per_second_ <= 0) return false;
    tokens_ = std::min(per_second_, tokens_ + std::chrono::duration<double>(now - last_).count() * per_second_);
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double per_second_;
  double tokens_ = 0;
  clock::time_point last_{};
};

/// Two watchers as one: each gets every call (ClickHouse's probe and the
/// API's side by side); the readings are the first's.
class watcher_pair : public run_watcher {
 public:
  watcher_pair(run_watcher& first, run_watcher& second) : first_(first), second_(second) {}
  void begin(clock::time_point start) override {
    first_.begin(start);
    second_.begin(start);
  }
  bool wants_probe(clock::time_point now) override {
    // Both sample on their own: one's answer must not use up the other's tokens.
    pending_first_ = first_.wants_probe(now);
    pending_second_ = second_.wants_probe(now);
    return pending_first_ || pending_second_;
  }
  void probe(std::string run_id, clock::time_point sent_at) override {
    if (pending_first_ && pending_second_) first_.probe(run_id, sent_at);
    else if (pending_first_) first_.probe(std::move(run_id), sent_at);
    if (pending_second_) second_.probe(std::move(run_id), sent_at);
  }
  std::optional<std::uint64_t> queue_depth() const override { return first_.queue_depth(); }
  std::optional<double> lag_p99_ms() const override { return first_.lag_p99_ms(); }

 private:
  run_watcher& first_;
  run_watcher& second_;
  bool pending_first_ = false, pending_second_ = false;
};

}  // namespace tracepipe::loadgen

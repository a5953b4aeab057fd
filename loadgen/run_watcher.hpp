#pragma once
// What the load runner tells whoever watches the write path behind the
// target (observe::observer with --stack), and the figures it reads back for
// the progress line. An interface, so loadgen does not depend on observe/.
#include <chrono>
#include <cstdint>
#include <optional>
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

}  // namespace tracepipe::loadgen

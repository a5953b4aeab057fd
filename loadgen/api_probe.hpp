#pragma once
// `tracepipe load --probe api`: visibility as a user sees it — a sample of
// accepted runs, each polled with GET /runs/{id} (the SDKs' readRun) on the
// target until the run comes back with its patch applied (end_time set; or
// just found, for a load that sends no patches). Any LangSmith-compatible
// endpoint, with or without the stack in view.
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/load_result.hpp"
#include "loadgen/run_watcher.hpp"

namespace tracepipe::loadgen {

struct api_probe_options {
  std::string target;
  std::string api_key;
  double probes_per_second = 10;
  bool wait_for_patch = true;                     ///< the load sends patches: visible once end_time shows
  std::chrono::milliseconds interval{100};        ///< poll period: the resolution of the figure
  std::chrono::milliseconds give_up{60'000};      ///< a probe not visible by then counts as not visible
  /// Once the load is over, how much longer a probe is polled (the last
  /// request's runs are never patched in post-patch loads).
  std::chrono::milliseconds drain{10'000};
  int connections = 4;
};

class api_probe : public run_watcher {
 public:
  explicit api_probe(api_probe_options options);
  ~api_probe() override;
  api_probe(const api_probe&) = delete;
  api_probe& operator=(const api_probe&) = delete;

  void begin(clock::time_point start) override;
  bool wants_probe(clock::time_point now) override { return sampler_.take(now); }
  void probe(std::string run_id, clock::time_point sent_at) override;
  std::optional<std::uint64_t> queue_depth() const override { return std::nullopt; }
  std::optional<double> lag_p99_ms() const override { return std::nullopt; }

  /// Waits for the probes under way (each until visible or given up on) and
  /// returns the figures.
  api_visibility finish();

 private:
  struct waiting {
    std::string id;
    clock::time_point sent_at;
  };
  void poll();

  api_probe_options o_;
  probe_sampler sampler_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<waiting> inbox_;
  bool stopping_ = false;
  std::atomic<clock::rep> polls_end_{clock::time_point::max().time_since_epoch().count()};  ///< set by finish()
  api_visibility figures_;
  std::vector<std::thread> threads_;
};

}  // namespace tracepipe::loadgen

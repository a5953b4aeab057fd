#pragma once
// What `tracepipe load --stack` sees of the write path while it runs, on
// threads of its own: once a second the queue depth (Redis), the most active
// parts of a partition and the lag p99 of recent inserts (ClickHouse), and
// the component telemetry of both and of the write path's own /metrics
// (component_figures.hpp); and
// the visibility probe — a sample of accepted runs, each polled in
// ClickHouse until found, so visible_at − sent is measured from outside,
// the form users meet as "traces created but not visible". On a replicated
// ClickHouse each probe reads a random replica, as a user behind a load
// balancer would, and is also followed until every replica has it; and the
// replicas' replication state is sampled each second.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/component_figures.hpp"
#include "loadgen/run_watcher.hpp"
#include "observe/metrics_sampler.hpp"
#include "observe/redis_sampler.hpp"
#include "observe/server_figures.hpp"
#include "observe/stack_target.hpp"

#include "loadgen/run_ids.hpp"

namespace tracepipe::observe {

using loadgen::component_figures;

struct observer_options {
  stack_target target;
  double probes_per_second = 10;                  ///< 0: no visibility probe
  std::chrono::milliseconds probe_interval{100};  ///< poll period: the resolution of visible_ms
  std::vector<std::string> metrics_urls;          ///< tracepipe /metrics pages to scrape (ingest, workers)
};

/// One per-second reading (second s covers [s − 1, s) since the load's start).
struct component_sample {
  std::uint64_t second = 0;
  std::optional<std::uint64_t> queue_depth;
  std::optional<std::uint64_t> clickhouse_parts;
  std::optional<double> recent_lag_p99_ms;
  component_figures components;
};

struct probe_result {
  std::uint64_t second = 0;   ///< when its request was sent (as component_sample::second)
  std::uint64_t visible_us = 0;
};

/// A probe followed until every replica had it.
struct replicated_probe {
  std::uint64_t second = 0;
  std::uint64_t all_us = 0;  ///< sent → on every replica
  std::uint64_t lag_us = 0;  ///< on the first replica that had it → on every replica
};

class observer final : public loadgen::run_watcher {
 public:

  /// Checks ClickHouse and every metrics page answer (throws
  /// std::runtime_error naming the one that does not).
  explicit observer(observer_options options);
  ~observer();
  observer(const observer&) = delete;
  observer& operator=(const observer&) = delete;

  /// Starts the thread; `start` is the load's second 0.
  void begin(clock::time_point start) override;
  /// Stops the thread; probes still unseen count as not visible.
  void end();

  bool wants_probe(clock::time_point now) override;
  void probe(std::string run_id, clock::time_point sent_at) override;

  /// Latest readings for the progress line.
  std::optional<std::uint64_t> queue_depth() const override;
  std::optional<double> lag_p99_ms() const override;

  // After end():
  const std::vector<component_sample>& samples() const { return samples_; }
  const std::vector<probe_result>& probes() const { return found_; }
  std::uint64_t probes_sent() const { return probes_sent_; }
  std::uint64_t probes_not_visible() const { return not_visible_; }
  /// Replicated only: probes seen on every replica, and those that were not by the end.
  const std::vector<replicated_probe>& on_every_replica() const { return on_all_; }
  std::uint64_t probes_not_on_every_replica() const { return not_on_all_; }
  std::size_t replica_count() const { return replicas_.size(); }
  std::uint64_t errors() const { return errors_; }
  const std::string& last_error() const { return last_error_; }

 private:
  struct waiting {
    std::string id;
    clock::time_point sent_at;
    std::size_t replica = 0;  ///< the one read as the user's read would land (replicated)
    std::vector<bool> on{};   ///< seen on replica r (replicated)
    bool visible = false;     ///< seen where the user reads
    clock::time_point first_seen{};
  };
  void sample_loop();
  void probe_loop();
  void sample(std::uint64_t second);
  void poll_probes();
  /// Replicated: each replica asked for the probes it has not shown yet.
  void poll_replicas();
  void sample_replicas(component_figures& f);
  std::optional<std::uint64_t> one_number(const std::string& sql);
  /// False when ClickHouse did not answer in time.
  bool sample_clickhouse(component_figures& f);
  void failed(std::string what);
  std::uint64_t second_of(clock::time_point t) const;

  observer_options o_;
  sink::clickhouse_client ch_;          ///< the probes' (probe thread)
  sink::clickhouse_client figures_ch_;  ///< the per-second figures', with a short timeout (sample thread)
  /// Every replica of a cluster, with a short timeout: a frozen one is
  /// what is measured, and must not stall the sampling. One set per thread
  /// (a client is one connection, not to be shared): the sample thread's,
  /// and the probe thread's.
  std::vector<std::unique_ptr<sink::clickhouse_client>> replicas_;
  std::vector<std::unique_ptr<sink::clickhouse_client>> replica_probes_;
  std::minstd_rand pick_{20261206};  ///< which replica a probe reads; guarded by mu_
  std::optional<redis_sampler> redis_;
  std::optional<metrics_sampler> scraper_;
  /// ClickHouse's counters at the previous sample, for per-second rates.
  std::optional<server_activity> previous_;
  clock::time_point previous_at_{};
  clock::time_point start_;
  std::thread sample_thread_, probe_thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<waiting> inbox_;  ///< guarded by mu_
  loadgen::probe_sampler sampler_;  ///< load thread only
  // Probe thread only until end():
  std::vector<waiting> polling_;
  std::vector<probe_result> found_;
  std::vector<replicated_probe> on_all_;
  std::uint64_t not_on_all_ = 0;
  std::uint64_t not_visible_ = 0;
  std::uint64_t probes_sent_ = 0;  ///< guarded by mu_
  // Sample thread only until end():
  std::vector<component_sample> samples_;
  std::mutex errors_mu_;  ///< both threads report failures
  std::uint64_t errors_ = 0;
  std::string last_error_;
  std::atomic<std::int64_t> depth_{-1};
  std::atomic<double> lag_p99_{-1};
};

}  // namespace tracepipe::observe

#pragma once
// The sink workers' Prometheus metrics. Each one's name, type and help sit
// beside its value in the one table in metrics.cpp, which also fixes the
// order on the page.
#include <atomic>
#include <cstdint>
#include <string>

#include "common/prometheus.hpp"

namespace tracepipe::sink {

/// What a retry was caused by.
enum class retry_cause { clickhouse, s3, redis, count_ };

/// The values; the pipelines of one worker count into one instance.
class sink_metrics {
 public:
  common::histogram batch_rows{{1, 10, 100, 500, 1000, 5000, 10000, 50000, 100000}};
  common::histogram batch_bytes{{1 << 10, 16 << 10, 128 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20}};
  common::histogram insert_latency_us{common::latency_bounds_us()};
  common::histogram s3_put_latency_us{common::latency_bounds_us()};
  common::histogram s3_get_latency_us{common::latency_bounds_us()};
  /// acked_at − received_at: how long a run took from ingest to a durable, acknowledged row.
  /// Bounds at 2 × every usual batch age (0.25, 0.5, 0.75, 1, 1.5, 2, 2.5 s):
  /// "lag p99 ≤ 2 × batch age" reads exactly off a bucket bound.
  common::histogram ack_lag_us{{1000, 10000, 50000, 100000, 250000, 500000, 1000000, 1500000, 2000000, 3000000,
                                4000000, 5000000, 7500000, 10000000, 30000000, 60000000, 300000000}};
  std::atomic<std::uint64_t> rows_inserted{0};
  std::atomic<std::uint64_t> batches_inserted{0};
  std::atomic<std::uint64_t> blobs_put{0};
  std::atomic<std::uint64_t> blob_bytes{0};
  std::atomic<std::uint64_t> objects_fetched{0};
  std::atomic<std::uint64_t> object_bytes_fetched{0};
  std::atomic<std::uint64_t> dead_lettered{0};
  std::atomic<std::uint64_t> reclaimed{0};
  std::atomic<std::uint64_t> consumers_removed{0};
  std::atomic<std::uint64_t> retries[static_cast<int>(retry_cause::count_)]{};
  std::atomic<std::uint64_t> pending{0};  ///< consumer-group pending entries, last sample

  /// The Prometheus text page, metrics in table order.
  std::string render() const;
};

}  // namespace tracepipe::sink

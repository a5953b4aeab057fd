#pragma once
// Ingest's Prometheus metrics. Every metric is declared once in the table in
// metrics.cpp with its type and meaning; counters are lock-free atomics.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/prometheus.hpp"

namespace tracepipe::ingest {

/// Routes as labelled in metrics.
enum class route {
  info, ok, ready, metrics, post_run, patch_run, batch, multipart, otlp_traces, read_run, query_runs, sessions,
  langfuse_ingestion,  ///< POST /api/public/ingestion (ingest/langfuse/)
  other, count_
};
/// GET /runs/{id}, POST /runs/query, GET /sessions: answered from ClickHouse.
constexpr bool is_read(route r) { return r == route::read_run || r == route::query_runs || r == route::sessions; }
std::string_view route_label(route r);

/// Why ingest dropped a connection without answering.
enum class drop_reason { read_timeout, max_connections, accept_error, count_ };
std::string_view drop_label(drop_reason r);

class metrics {
 public:
  /// Statuses ingest answers with; anything else is counted as "other".
  static constexpr std::array<unsigned, 17> statuses{200, 202, 207, 400, 401, 404, 405, 408, 413,
                                                     415, 422, 429, 431, 500, 503, 504, 0};

  void count_request(route r, unsigned status);
  void count_enqueued(std::uint64_t runs, std::uint64_t bytes) {
    runs_enqueued_ += runs;
    bytes_enqueued_ += bytes;
  }
  common::histogram& enqueue_latency() { return enqueue_latency_; }
  void count_drop(drop_reason r) { drops_[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed); }
  void count_otlp_spans(std::uint64_t accepted, std::uint64_t rejected, std::uint64_t parent_elsewhere) {
    otlp_spans_[0] += accepted;
    otlp_spans_[1] += rejected;
    otlp_spans_[2] += parent_elsewhere;
  }
  /// ingest.mode s3-first: one request's objects, stored or not.
  void count_stored(bool ok, std::uint64_t objects, std::uint64_t bytes) {
    if (!ok) {
      objects_failed_ += objects;
      return;
    }
    objects_stored_ += objects;
    bytes_stored_ += bytes;
  }
  common::histogram& store_latency() { return store_latency_; }

  /// Prometheus text exposition; gauges are read at render time.
  std::string render(std::uint64_t queue_depth, std::uint64_t inflight_bytes, std::uint64_t connections,
                     bool redis_ready) const;

 private:
  std::array<std::array<std::atomic<std::uint64_t>, statuses.size()>, static_cast<int>(route::count_)> requests_{};
  std::atomic<std::uint64_t> runs_enqueued_{0};
  std::atomic<std::uint64_t> bytes_enqueued_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<int>(drop_reason::count_)> drops_{};
  std::array<std::atomic<std::uint64_t>, 3> otlp_spans_{};  ///< accepted, rejected, parent_elsewhere
  common::histogram enqueue_latency_{common::latency_bounds_us()};
  std::atomic<std::uint64_t> objects_stored_{0}, objects_failed_{0}, bytes_stored_{0};
  common::histogram store_latency_{common::latency_bounds_us()};
};

}  // namespace tracepipe::ingest

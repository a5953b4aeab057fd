#pragma once
// Ingest's Prometheus metrics. Every metric is declared once in the table in
// metrics.cpp with its type and meaning; counters are lock-free atomics.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracepipe::ingest {

/// Routes as labelled in metrics.
enum class route { info, ok, ready, metrics, post_run, patch_run, batch, multipart, other, count_ };
std::string_view route_label(route r);

/// Log-spaced buckets in microseconds, cumulative on output.
class latency_histogram {
 public:
  static constexpr std::array<std::uint64_t, 15> bounds_us{100,    250,    500,     1000,    2500,
                                                           5000,   10000,  25000,   50000,   100000,
                                                           250000, 500000, 1000000, 2500000, 10000000};
  void observe(std::uint64_t us);
  void render(std::string& out, std::string_view name) const;

 private:
  std::array<std::atomic<std::uint64_t>, bounds_us.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

class metrics {
 public:
  /// Statuses ingest answers with; anything else is counted as "other".
  static constexpr std::array<unsigned, 15> statuses{200, 202, 400, 401, 404, 405, 408, 413,
                                                     415, 422, 429, 431, 500, 503, 0};

  void count_request(route r, unsigned status);
  void count_enqueued(std::uint64_t runs, std::uint64_t bytes) {
    runs_enqueued_ += runs;
    bytes_enqueued_ += bytes;
  }
  latency_histogram& enqueue_latency() { return enqueue_latency_; }

  /// Prometheus text exposition; gauges are read at render time.
  std::string render(std::uint64_t queue_depth, std::uint64_t inflight_bytes, std::uint64_t connections,
                     bool redis_ready) const;

 private:
  std::array<std::array<std::atomic<std::uint64_t>, statuses.size()>, static_cast<int>(route::count_)> requests_{};
  std::atomic<std::uint64_t> runs_enqueued_{0};
  std::atomic<std::uint64_t> bytes_enqueued_{0};
  latency_histogram enqueue_latency_;
};

}  // namespace tracepipe::ingest

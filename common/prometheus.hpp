#pragma once
// The pieces of the Prometheus text exposition that ingest's and the sink's
// /metrics share: a fixed-bucket histogram and the HELP/TYPE header. Each
// library keeps its own table of metrics.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::common {

/// A Prometheus histogram with fixed upper bounds, cumulative on output;
/// lock-free to observe.
class histogram {
 public:
  explicit histogram(std::vector<std::uint64_t> bounds);
  void observe(std::uint64_t value);
  /// name_bucket{le=…}, name_sum, name_count lines.
  void render(std::string& out, std::string_view name) const;

 private:
  std::vector<std::uint64_t> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< bounds_.size() + 1, the last is +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
};

/// "# HELP name help" and "# TYPE name type" lines.
void metric_header(std::string& out, std::string_view name, std::string_view type, std::string_view help);

/// Log-spaced latency bounds, 100 µs … 10 s, in microseconds.
std::vector<std::uint64_t> latency_bounds_us();

}  // namespace tracepipe::common

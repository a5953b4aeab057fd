#pragma once
// What every connection of one ingest server shares: settings, the Redis
// producer and depth sampler, metrics and the admission counters.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "ingest/metrics.hpp"
#include "ingest/read_api.hpp"
#include "ingest/s3_store.hpp"
#include "queue/depth_sampler.hpp"
#include "queue/stream_producer.hpp"

namespace tracepipe::ingest {

struct service {
  config::ingest_settings settings;
  queue::stream_producer& producer;
  queue::depth_sampler& depth;
  ingest::metrics metrics;
  std::atomic<std::uint64_t> inflight_bytes{0};
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> requests_in_progress{0};  ///< read, not yet answered
  /// Answers GET /runs/{id}, POST /runs/query, GET /sessions; null: no reads served.
  read_store* reads = nullptr;
  std::atomic<std::uint64_t> reads_in_flight{0};
  /// ingest.mode s3-first: stores each request's entries before their
  /// references are enqueued, under s3_prefix; null: entries go to Redis whole.
  s3_store* store_first = nullptr;
  std::string s3_prefix;

  service(config::ingest_settings s, queue::stream_producer& p, queue::depth_sampler& d)
      : settings(std::move(s)), producer(p), depth(d) {}

  bool redis_ready() const { return producer.ready(); }

  /// More Prometheus text appended to /metrics (the workers' in `tracepipe serve`).
  std::function<std::string()> extra_metrics;
};

}  // namespace tracepipe::ingest

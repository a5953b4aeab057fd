#pragma once
// One batch pipeline of a worker, on its own thread and connections:
// read from the consumer group → batch (rows / bytes / age) → PUT large
// fields to S3 → INSERT into ClickHouse → XACK. An entry is acknowledged only
// after its row is accepted and its blobs are stored; any failure before
// that leaves it pending, to be retried here or reclaimed by another worker.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "queue/stream_consumer.hpp"
#include "sink/batcher.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/metrics.hpp"
#include "sink/row_builder.hpp"
#include "sink/s3_writer.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

/// What all pipelines of one worker share.
struct pipeline_context {
  config::settings settings;
  std::vector<std::string> streams;  ///< shard keys
  clickhouse_version version;
  schema_names names;
  sink_metrics* metrics = nullptr;
  std::atomic<bool>* stopping = nullptr;
  /// Steady-clock deadline (ns since epoch of the steady clock) for finishing after stop.
  std::atomic<std::int64_t>* stop_deadline = nullptr;
};

class pipeline {
 public:
  pipeline(const pipeline_context& ctx, std::string consumer_name, bool samples_pending);
  /// Runs until stop is requested, then flushes and acks what it holds (until the deadline).
  void run();

 private:
  struct item {
    queue::stream_message message;
    std::uint64_t dequeued_at_us;
    std::uint64_t received_at_us;  ///< by ingest (else by Redis), µs since the epoch
  };
  enum class outcome { done, gave_up };

  void take(std::vector<queue::stream_message>& messages);
  outcome flush();
  outcome put_blobs(const std::vector<const blob*>& blobs);
  /// The JSONEachRow body of `rows` into body_, stamped with the send time.
  void render(const std::vector<std::size_t>& rows, const std::vector<built_row>& built);
  outcome insert(const std::vector<std::size_t>& rows, const std::vector<built_row>& built,
                 const std::vector<item>& items, const std::string& token);
  outcome dead_letter(const queue::stream_message& m, const std::string& reason);
  outcome ack(const std::vector<const queue::stream_message*>& done);
  void reclaim();
  void recreate_schema();

  /// Sleeps the backoff for `attempt`; false when it is time to give up instead.
  bool backoff(int attempt, retry_cause cause);
  /// Waits worker.insert_delay (the lab's throttled ClickHouse); false when
  /// the shutdown deadline passed meanwhile.
  bool injected_delay();
  bool past_deadline() const;
  /// Keeps the held batch from looking abandoned while it waits on a retry.
  void keep_held();
  bool stopping() const { return ctx_.stopping->load(); }

  const pipeline_context& ctx_;
  std::string name_;
  bool samples_pending_;
  queue::stream_consumer consumer_;
  clickhouse_client clickhouse_;
  s3_writer s3_;
  row_builder rows_;
  batcher<item> batch_;
  body_compression compression_;
  std::mt19937_64 random_;
  std::chrono::steady_clock::time_point next_reclaim_;
  bool redis_down_reported_ = false;
  std::string body_;  ///< the insert body, reused from batch to batch
  std::vector<built_row> built_;  ///< the rows of the batch being flushed, reused likewise
  std::vector<const queue::stream_message*> held_;  ///< the batch being flushed
  std::chrono::steady_clock::time_point touched_at_;
};

}  // namespace tracepipe::sink

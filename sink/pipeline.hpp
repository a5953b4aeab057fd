#pragma once
// One batch pipeline of a worker, on its own thread and connections:
// read from the consumer group → batch (rows / bytes / age) → GET what
// ingest stored in S3 first, if it did → PUT large fields to S3 → INSERT
// into ClickHouse → XACK. An entry is acknowledged only
// after its row is accepted and its blobs are stored; any failure before
// that leaves it pending, to be retried here or reclaimed by another worker.
// The decisions — when to retry, how long to wait, what to bisect or
// dead-letter, when to give up — are made by insert_plan and retry_policy;
// this class performs them: the sockets, the sleeps, the logs and metrics.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "queue/stream_consumer.hpp"
#include "s3/client.hpp"
#include "sink/batcher.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/insert_plan.hpp"
#include "sink/langfuse_rows.hpp"
#include "sink/metrics.hpp"
#include "sink/replica_router.hpp"
#include "sink/retry_policy.hpp"
#include "sink/row_builder.hpp"
#include "sink/schema.hpp"
#include "sink/stored_entries.hpp"

namespace tracepipe::sink {

/// What all pipelines of one worker share.
struct pipeline_context {
  config::settings settings;
  std::vector<std::string> streams;  ///< shard keys
  clickhouse_version version;
  schema_names names;
  table_limits limits;  ///< the runs table is created with these
  std::vector<std::string> consumers;  ///< this process's consumer names, never removed from the group
  sink_metrics* metrics = nullptr;
  std::atomic<bool>* stopping = nullptr;
  /// Steady-clock deadline (ns since epoch of the steady clock) for finishing after stop.
  std::atomic<std::int64_t>* stop_deadline = nullptr;
};

/// One batch pipeline: read → batch → S3 → ClickHouse → XACK, on the caller's thread.
class pipeline {
 public:
  /// Pipeline `index` of its worker: the first samples the pending count,
  /// and each starts its round robin over the replicas at a different one.
  pipeline(const pipeline_context& ctx, std::string consumer_name, std::size_t index);
  /// Runs until stop is requested, then flushes and acks what it holds (until the deadline).
  void run();

 private:
  struct item {
    queue::stream_message message;
    std::uint64_t dequeued_at_us;
    std::uint64_t received_at_us;  ///< by ingest (else by Redis), µs since the epoch
  };
  /// How a step ended: finished, or left pending because the shutdown deadline passed.
  enum class outcome { done, gave_up };
  using clock = std::chrono::steady_clock;

  /// Adds read entries to the batch, their age counted from when ingest received them.
  void take(std::vector<queue::stream_message>& messages);
  /// Builds, stores blobs of, inserts and acks the batch.
  outcome flush();
  /// PUTs the blobs, retrying the failed ones until all are stored.
  outcome put_blobs(const std::vector<const blob*>& blobs);
  /// ingest.mode s3-first: GETs the objects the batch's references (kind
  /// s3) point to, retrying while S3 fails, and fills stand_ins_ (the entry
  /// each reference stands for) or unreadable_ (why it cannot be read: an
  /// object gone or not ingest's, for the dead-letter stream) per item.
  outcome fetch_stored(const std::vector<item>& items);
  /// Item i's entry from its object's `entries`, or why not.
  void place(const queue::stream_message& reference, const std::optional<std::string>& problem,
             const std::vector<entry_fields>& entries, std::size_t i);
  /// The JSONEachRow body of `rows` into body_, stamped with the time of the part's first send.
  void render(std::span<const std::size_t> rows, const std::vector<built_row>& built);
  /// Carries out an insert_plan for `rows` (numbers into `built` and `items`) into `table`.
  outcome insert(const std::vector<std::size_t>& rows, const std::vector<built_row>& built,
                 const std::vector<item>& items, const std::string& token, const std::string& table);
  /// One INSERT of body_ (the action's rows) into `table`; counts the batch metrics when accepted.
  clickhouse_result send(const insert_action& action, const query_settings& settings, const std::string& table);
  /// The URL settings of one part of a batch (its token, whether it waits for the async queue).
  query_settings insert_settings_for(const std::string& token);
  /// Logs what the action's notice asks for about the failed `result`.
  void report(const insert_action& action, const clickhouse_result& result) const;
  /// Moves an entry to the dead-letter stream with `reason`, retrying while Redis fails.
  outcome dead_letter(const queue::stream_message& m, const std::string& reason);
  /// Acknowledges inserted entries, retrying while Redis fails.
  outcome ack(const std::vector<const queue::stream_message*>& done);
  /// Takes over entries other consumers left idle; dead-letters those delivered too often.
  void reclaim();
  /// Runs the schema DDL again (the table or database was dropped under us).
  void recreate_schema();
  /// The replica the next request goes to, after pinging those out and due.
  std::size_t pick_replica();
  /// Tells the router whether the request to `replica` got an answer.
  void note_reply(std::size_t replica, const clickhouse_result& result);

  /// Counts a retry and sleeps the backoff `retry` gives after a failure;
  /// false when it is time to give up instead.
  bool backoff(retry_loop& retry, retry_cause cause);
  /// Sleeps until `until` in 50 ms slices, waking early when the shutdown
  /// deadline passes; answers when it stopped. With `keep_held_meanwhile`,
  /// keep_held() on every slice: the insert delay does, a backoff touches once
  /// before (so a Redis that is down is not asked again every 50 ms).
  clock::time_point sleep_until(clock::time_point until, bool keep_held_meanwhile);
  /// The shutdown deadline; time_point::max() until a stop is requested.
  clock::time_point deadline() const;
  bool past_deadline() const { return sink::past_deadline(clock::now(), deadline()); }
  /// Keeps the held batch from looking abandoned while it waits on a retry.
  void keep_held();
  bool stopping() const { return ctx_.stopping->load(); }

  const pipeline_context& ctx_;
  std::string name_;
  bool samples_pending_;
  std::unique_ptr<queue::stream_consumer> consumer_;
  std::vector<std::unique_ptr<clickhouse_client>> replicas_;  ///< one connection per server
  replica_router router_;
  s3::client s3_;
  entry_row_builder rows_;  ///< runs' rows and Langfuse events' rows
  batcher<item> batch_;
  body_compression compression_;
  std::mt19937_64 random_;
  backoff_policy backoff_;  ///< its jitter draws from random_, declared above
  std::chrono::steady_clock::time_point next_reclaim_;
  std::chrono::steady_clock::time_point next_reap_;  ///< pipeline 0 removes consumers of gone workers
  std::string body_;  ///< the insert body, reused from batch to batch
  std::vector<built_row> built_;  ///< the rows of the batch being flushed, reused likewise
  std::vector<const queue::stream_message*> held_;  ///< the batch being flushed
  stored_entries stored_;  ///< reads s3-first objects
  std::vector<std::optional<queue::stream_message>> stand_ins_;  ///< per item of the batch being flushed
  std::vector<std::string> unreadable_;                          ///< likewise; empty: readable
  std::chrono::steady_clock::time_point touched_at_;
};

}  // namespace tracepipe::sink

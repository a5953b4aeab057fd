#pragma once
// What `tracepipe load --stack` samples of Redis, ClickHouse and the write
// path's own /metrics once a second besides the queue depth and the parts
// (component telemetry): one
// optional figure per timeseries.csv column, and the table of those columns
// that the CSV writer, its reader and the report share.
#include <optional>
#include <string_view>

namespace tracepipe::loadgen {

inline constexpr double bytes_per_mib = 1024.0 * 1024.0;

struct component_figures {
  // Redis (INFO, XINFO GROUPS of the shard streams)
  std::optional<double> redis_memory_mib;  ///< used_memory
  std::optional<double> redis_ops_per_s;   ///< instantaneous_ops_per_sec
  std::optional<double> redis_pending;     ///< delivered to a worker, not yet acked (summed over shards)
  std::optional<double> redis_group_lag;   ///< in the streams, not yet delivered to any worker
  // ClickHouse (system.merges, system.processes, system.events; per-second rates from counters)
  std::optional<double> clickhouse_merges;         ///< merges running
  std::optional<double> clickhouse_queries;        ///< queries running, this sampler's own not counted
  std::optional<double> clickhouse_inserted_rows;  ///< rows/s written by INSERTs
  std::optional<double> clickhouse_inserted_mib;   ///< MiB/s written by INSERTs (uncompressed)
  std::optional<double> clickhouse_merged_rows;    ///< rows/s read by merges
  std::optional<double> clickhouse_delayed_inserts;   ///< INSERTs/s delayed for too many parts
  std::optional<double> clickhouse_rejected_inserts;  ///< INSERTs/s refused for too many parts
  // The write path's /metrics (ingest and workers, summed over the pages scraped)
  std::optional<double> ingest_inflight_mib;    ///< request bytes being served
  std::optional<double> ingest_enqueue_p99_ms;  ///< request's runs handed to Redis → every XADD acknowledged
  std::optional<double> worker_inserted_rows;   ///< rows/s the workers inserted
  std::optional<double> worker_insert_p99_ms;   ///< ClickHouse INSERT latency
  std::optional<double> worker_ack_lag_p99_ms;  ///< received → acked
  std::optional<double> worker_retries;         ///< retries/s, every cause
  std::optional<double> s3_puts;                ///< S3 PUTs/s
  std::optional<double> s3_put_mib;             ///< MiB/s written to S3
  std::optional<double> s3_put_p99_ms;          ///< S3 PUT latency
  std::optional<double> worker_inserts;         ///< INSERTs/s the workers made (more, smaller ones: more parts)
  // The read load beside the write load (--read-rate), by intended second
  std::optional<double> read_sent;    ///< reads/s sent
  std::optional<double> read_ok;      ///< answered 200 (or 404: not visible yet)
  std::optional<double> read_429;     ///< refused for too many reads at once
  std::optional<double> read_failed;  ///< no answer, or another status
  std::optional<double> read_p99_ms;  ///< corrected latency of those answered
  // A replicated ClickHouse (system.replicas of the runs table, per replica,
  // the first five in configured order); empty on a single server
  std::optional<double> replica1_delay_s, replica2_delay_s, replica3_delay_s, replica4_delay_s,
      replica5_delay_s;  ///< absolute_delay; empty too while the replica does not answer
  std::optional<double> replica1_queue, replica2_queue, replica3_queue, replica4_queue,
      replica5_queue;                             ///< queue_size: fetches and merges still to do
  std::optional<double> replica_inserts_queued;  ///< parts inserted elsewhere not fetched yet, summed
  std::optional<double> replicas_readonly;       ///< replicas without a ZooKeeper session (inserts refused)
  std::optional<double> replicas_unanswered;     ///< replicas that did not answer the sample
  std::optional<double> zookeeper_up;            ///< 1 when a replica reaches ZooKeeper, else 0
  // A Redis Cluster, per master (the first five, by their lowest slot: a
  // master's place survives its failover); empty on a standalone Redis
  std::optional<double> redis_master1_memory_mib, redis_master2_memory_mib, redis_master3_memory_mib,
      redis_master4_memory_mib, redis_master5_memory_mib;  ///< used_memory
  std::optional<double> redis_master1_ops, redis_master2_ops, redis_master3_ops, redis_master4_ops,
      redis_master5_ops;  ///< instantaneous_ops_per_sec
  std::optional<double> redis_master1_pending, redis_master2_pending, redis_master3_pending, redis_master4_pending,
      redis_master5_pending;  ///< the group's pending entries over the shard streams it serves
  std::optional<double> redis_master1_lag, redis_master2_lag, redis_master3_lag, redis_master4_lag,
      redis_master5_lag;  ///< entries of its shard streams not yet delivered to any worker
};

/// The per-replica columns, by replica (0-based).
inline constexpr std::optional<double> component_figures::*replica_delay_columns[] = {
    &component_figures::replica1_delay_s, &component_figures::replica2_delay_s, &component_figures::replica3_delay_s,
    &component_figures::replica4_delay_s, &component_figures::replica5_delay_s};
inline constexpr std::optional<double> component_figures::*replica_queue_columns[] = {
    &component_figures::replica1_queue, &component_figures::replica2_queue, &component_figures::replica3_queue,
    &component_figures::replica4_queue, &component_figures::replica5_queue};

/// The per-master columns of a Redis Cluster, by master (0-based).
inline constexpr std::optional<double> component_figures::*redis_master_memory_columns[] = {
    &component_figures::redis_master1_memory_mib, &component_figures::redis_master2_memory_mib,
    &component_figures::redis_master3_memory_mib, &component_figures::redis_master4_memory_mib,
    &component_figures::redis_master5_memory_mib};
inline constexpr std::optional<double> component_figures::*redis_master_ops_columns[] = {
    &component_figures::redis_master1_ops, &component_figures::redis_master2_ops, &component_figures::redis_master3_ops,
    &component_figures::redis_master4_ops, &component_figures::redis_master5_ops};
inline constexpr std::optional<double> component_figures::*redis_master_pending_columns[] = {
    &component_figures::redis_master1_pending, &component_figures::redis_master2_pending,
    &component_figures::redis_master3_pending, &component_figures::redis_master4_pending,
    &component_figures::redis_master5_pending};
inline constexpr std::optional<double> component_figures::*redis_master_lag_columns[] = {
    &component_figures::redis_master1_lag, &component_figures::redis_master2_lag, &component_figures::redis_master3_lag,
    &component_figures::redis_master4_lag, &component_figures::redis_master5_lag};

struct component_column {
  std::string_view name;  ///< timeseries.csv header
  std::optional<double> component_figures::*field;
};

inline constexpr component_column component_columns[] = {
    {"redis_memory_mib", &component_figures::redis_memory_mib},
    {"redis_ops_per_s", &component_figures::redis_ops_per_s},
    {"redis_pending", &component_figures::redis_pending},
    {"redis_group_lag", &component_figures::redis_group_lag},
    {"clickhouse_merges", &component_figures::clickhouse_merges},
    {"clickhouse_queries", &component_figures::clickhouse_queries},
    {"clickhouse_inserted_rows_per_s", &component_figures::clickhouse_inserted_rows},
    {"clickhouse_inserted_mib_per_s", &component_figures::clickhouse_inserted_mib},
    {"clickhouse_merged_rows_per_s", &component_figures::clickhouse_merged_rows},
    {"clickhouse_delayed_inserts_per_s", &component_figures::clickhouse_delayed_inserts},
    {"clickhouse_rejected_inserts_per_s", &component_figures::clickhouse_rejected_inserts},
    {"ingest_inflight_mib", &component_figures::ingest_inflight_mib},
    {"ingest_enqueue_p99_ms", &component_figures::ingest_enqueue_p99_ms},
    {"worker_inserted_rows_per_s", &component_figures::worker_inserted_rows},
    {"worker_insert_p99_ms", &component_figures::worker_insert_p99_ms},
    {"worker_ack_lag_p99_ms", &component_figures::worker_ack_lag_p99_ms},
    {"worker_retries_per_s", &component_figures::worker_retries},
    {"s3_puts_per_s", &component_figures::s3_puts},
    {"s3_put_mib_per_s", &component_figures::s3_put_mib},
    {"s3_put_p99_ms", &component_figures::s3_put_p99_ms},
    {"worker_inserts_per_s", &component_figures::worker_inserts},
    {"replica1_delay_s", &component_figures::replica1_delay_s},
    {"replica2_delay_s", &component_figures::replica2_delay_s},
    {"replica3_delay_s", &component_figures::replica3_delay_s},
    {"replica4_delay_s", &component_figures::replica4_delay_s},
    {"replica5_delay_s", &component_figures::replica5_delay_s},
    {"replica1_queue", &component_figures::replica1_queue},
    {"replica2_queue", &component_figures::replica2_queue},
    {"replica3_queue", &component_figures::replica3_queue},
    {"replica4_queue", &component_figures::replica4_queue},
    {"replica5_queue", &component_figures::replica5_queue},
    {"replica_inserts_queued", &component_figures::replica_inserts_queued},
    {"replicas_readonly", &component_figures::replicas_readonly},
    {"replicas_unanswered", &component_figures::replicas_unanswered},
    {"zookeeper_up", &component_figures::zookeeper_up},
    {"redis_master1_memory_mib", &component_figures::redis_master1_memory_mib},
    {"redis_master2_memory_mib", &component_figures::redis_master2_memory_mib},
    {"redis_master3_memory_mib", &component_figures::redis_master3_memory_mib},
    {"redis_master4_memory_mib", &component_figures::redis_master4_memory_mib},
    {"redis_master5_memory_mib", &component_figures::redis_master5_memory_mib},
    {"redis_master1_ops_per_s", &component_figures::redis_master1_ops},
    {"redis_master2_ops_per_s", &component_figures::redis_master2_ops},
    {"redis_master3_ops_per_s", &component_figures::redis_master3_ops},
    {"redis_master4_ops_per_s", &component_figures::redis_master4_ops},
    {"redis_master5_ops_per_s", &component_figures::redis_master5_ops},
    {"redis_master1_pending", &component_figures::redis_master1_pending},
    {"redis_master2_pending", &component_figures::redis_master2_pending},
    {"redis_master3_pending", &component_figures::redis_master3_pending},
    {"redis_master4_pending", &component_figures::redis_master4_pending},
    {"redis_master5_pending", &component_figures::redis_master5_pending},
    {"redis_master1_lag", &component_figures::redis_master1_lag},
    {"redis_master2_lag", &component_figures::redis_master2_lag},
    {"redis_master3_lag", &component_figures::redis_master3_lag},
    {"redis_master4_lag", &component_figures::redis_master4_lag},
    {"redis_master5_lag", &component_figures::redis_master5_lag},
    {"read_sent_per_s", &component_figures::read_sent},
    {"read_ok_per_s", &component_figures::read_ok},
    {"read_429_per_s", &component_figures::read_429},
    {"read_failed_per_s", &component_figures::read_failed},
    {"read_p99_ms", &component_figures::read_p99_ms},
};

}  // namespace tracepipe::loadgen

// The sink's /metrics page, byte for byte: names, types, help texts, order
// and values are what dashboards and the load generator's scraper read, so a
// change to the metric table must not move or relabel any of them.
// The header comes first: it must compile on its own.
#include "sink/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tracepipe::sink {
namespace {

/// Every metric holds a value of its own, so a value printed under another
/// metric's name shows.
void fill(sink_metrics& m) {
  m.batch_rows.observe(7);
  m.batch_bytes.observe(20000);
  m.insert_latency_us.observe(3000);
  m.s3_put_latency_us.observe(120);
  m.ack_lag_us.observe(1200000);
  m.rows_inserted = 11;
  m.batches_inserted = 12;
  m.blobs_put = 13;
  m.blob_bytes = 14;
  m.dead_lettered = 15;
  m.reclaimed = 16;
  m.retries[static_cast<int>(retry_cause::clickhouse)] = 17;
  m.retries[static_cast<int>(retry_cause::s3)] = 18;
  m.retries[static_cast<int>(retry_cause::redis)] = 19;
  m.pending = 20;
}

/// The page as rendered before the metrics moved into one table (captured, not written by hand).
const char* const expected_page = R"(
# HELP tracepipe_sink_batch_rows Rows per insert batch.
# TYPE tracepipe_sink_batch_rows histogram
tracepipe_sink_batch_rows_bucket{le="1"} 0
tracepipe_sink_batch_rows_bucket{le="10"} 1
tracepipe_sink_batch_rows_bucket{le="100"} 1
tracepipe_sink_batch_rows_bucket{le="500"} 1
tracepipe_sink_batch_rows_bucket{le="1000"} 1
tracepipe_sink_batch_rows_bucket{le="5000"} 1
tracepipe_sink_batch_rows_bucket{le="10000"} 1
tracepipe_sink_batch_rows_bucket{le="50000"} 1
tracepipe_sink_batch_rows_bucket{le="100000"} 1
tracepipe_sink_batch_rows_bucket{le="+Inf"} 1
tracepipe_sink_batch_rows_sum 7
tracepipe_sink_batch_rows_count 1
# HELP tracepipe_sink_batch_bytes Bytes per insert batch (the JSONEachRow body before compression).
# TYPE tracepipe_sink_batch_bytes histogram
tracepipe_sink_batch_bytes_bucket{le="1024"} 0
tracepipe_sink_batch_bytes_bucket{le="16384"} 0
tracepipe_sink_batch_bytes_bucket{le="131072"} 1
tracepipe_sink_batch_bytes_bucket{le="1048576"} 1
tracepipe_sink_batch_bytes_bucket{le="4194304"} 1
tracepipe_sink_batch_bytes_bucket{le="16777216"} 1
tracepipe_sink_batch_bytes_bucket{le="67108864"} 1
tracepipe_sink_batch_bytes_bucket{le="268435456"} 1
tracepipe_sink_batch_bytes_bucket{le="+Inf"} 1
tracepipe_sink_batch_bytes_sum 20000
tracepipe_sink_batch_bytes_count 1
# HELP tracepipe_sink_insert_latency_us ClickHouse INSERT request latency, microseconds.
# TYPE tracepipe_sink_insert_latency_us histogram
tracepipe_sink_insert_latency_us_bucket{le="100"} 0
tracepipe_sink_insert_latency_us_bucket{le="250"} 0
tracepipe_sink_insert_latency_us_bucket{le="500"} 0
tracepipe_sink_insert_latency_us_bucket{le="1000"} 0
tracepipe_sink_insert_latency_us_bucket{le="2500"} 0
tracepipe_sink_insert_latency_us_bucket{le="5000"} 1
tracepipe_sink_insert_latency_us_bucket{le="10000"} 1
tracepipe_sink_insert_latency_us_bucket{le="25000"} 1
tracepipe_sink_insert_latency_us_bucket{le="50000"} 1
tracepipe_sink_insert_latency_us_bucket{le="100000"} 1
tracepipe_sink_insert_latency_us_bucket{le="250000"} 1
tracepipe_sink_insert_latency_us_bucket{le="500000"} 1
tracepipe_sink_insert_latency_us_bucket{le="1000000"} 1
tracepipe_sink_insert_latency_us_bucket{le="2500000"} 1
tracepipe_sink_insert_latency_us_bucket{le="10000000"} 1
tracepipe_sink_insert_latency_us_bucket{le="+Inf"} 1
tracepipe_sink_insert_latency_us_sum 3000
tracepipe_sink_insert_latency_us_count 1
# HELP tracepipe_sink_s3_put_latency_us S3 PUT latency, microseconds.
# TYPE tracepipe_sink_s3_put_latency_us histogram
tracepipe_sink_s3_put_latency_us_bucket{le="100"} 0
tracepipe_sink_s3_put_latency_us_bucket{le="250"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="500"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="1000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="2500"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="5000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="10000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="25000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="50000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="100000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="250000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="500000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="1000000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="2500000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="10000000"} 1
tracepipe_sink_s3_put_latency_us_bucket{le="+Inf"} 1
tracepipe_sink_s3_put_latency_us_sum 120
tracepipe_sink_s3_put_latency_us_count 1
# HELP tracepipe_sink_ack_lag_us acked_at − received_at per run: from ingest to inserted and acknowledged, microseconds.
# TYPE tracepipe_sink_ack_lag_us histogram
tracepipe_sink_ack_lag_us_bucket{le="1000"} 0
tracepipe_sink_ack_lag_us_bucket{le="10000"} 0
tracepipe_sink_ack_lag_us_bucket{le="50000"} 0
tracepipe_sink_ack_lag_us_bucket{le="100000"} 0
tracepipe_sink_ack_lag_us_bucket{le="250000"} 0
tracepipe_sink_ack_lag_us_bucket{le="500000"} 0
tracepipe_sink_ack_lag_us_bucket{le="1000000"} 0
tracepipe_sink_ack_lag_us_bucket{le="1500000"} 1
tracepipe_sink_ack_lag_us_bucket{le="2000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="3000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="4000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="5000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="7500000"} 1
tracepipe_sink_ack_lag_us_bucket{le="10000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="30000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="60000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="300000000"} 1
tracepipe_sink_ack_lag_us_bucket{le="+Inf"} 1
tracepipe_sink_ack_lag_us_sum 1200000
tracepipe_sink_ack_lag_us_count 1
# HELP tracepipe_sink_rows_inserted_total Rows ClickHouse accepted.
# TYPE tracepipe_sink_rows_inserted_total counter
tracepipe_sink_rows_inserted_total 11
# HELP tracepipe_sink_batches_inserted_total Insert batches ClickHouse accepted.
# TYPE tracepipe_sink_batches_inserted_total counter
tracepipe_sink_batches_inserted_total 12
# HELP tracepipe_sink_blobs_put_total Payload fields and attachments written to S3.
# TYPE tracepipe_sink_blobs_put_total counter
tracepipe_sink_blobs_put_total 13
# HELP tracepipe_sink_blob_bytes_total Bytes written to S3.
# TYPE tracepipe_sink_blob_bytes_total counter
tracepipe_sink_blob_bytes_total 14
# HELP tracepipe_sink_s3_get_latency_us ingest.mode s3-first: latency of the GETs of the objects ingest stored, microseconds.
# TYPE tracepipe_sink_s3_get_latency_us histogram
tracepipe_sink_s3_get_latency_us_bucket{le="100"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="250"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="500"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="1000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="2500"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="5000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="10000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="25000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="50000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="100000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="250000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="500000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="1000000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="2500000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="10000000"} 0
tracepipe_sink_s3_get_latency_us_bucket{le="+Inf"} 0
tracepipe_sink_s3_get_latency_us_sum 0
tracepipe_sink_s3_get_latency_us_count 0
# HELP tracepipe_sink_objects_fetched_total ingest.mode s3-first: objects ingest stored, read back from S3 (once per batch that references them).
# TYPE tracepipe_sink_objects_fetched_total counter
tracepipe_sink_objects_fetched_total 0
# HELP tracepipe_sink_object_bytes_fetched_total ingest.mode s3-first: bytes of those objects.
# TYPE tracepipe_sink_object_bytes_fetched_total counter
tracepipe_sink_object_bytes_fetched_total 0
# HELP tracepipe_sink_dead_lettered_total Entries sent to the dead-letter stream.
# TYPE tracepipe_sink_dead_lettered_total counter
tracepipe_sink_dead_lettered_total 15
# HELP tracepipe_sink_reclaimed_total Entries claimed from consumers that stopped answering.
# TYPE tracepipe_sink_reclaimed_total counter
tracepipe_sink_reclaimed_total 16
# HELP tracepipe_sink_consumers_removed_total Consumers of gone workers removed from the group (nothing pending, idle past worker.consumer_expiry).
# TYPE tracepipe_sink_consumers_removed_total counter
tracepipe_sink_consumers_removed_total 0
# HELP tracepipe_sink_retries_total Retries after retryable failures, by cause.
# TYPE tracepipe_sink_retries_total counter
tracepipe_sink_retries_total{cause="clickhouse"} 17
tracepipe_sink_retries_total{cause="s3"} 18
tracepipe_sink_retries_total{cause="redis"} 19
# HELP tracepipe_sink_pending Entries delivered to workers and not yet acknowledged (consumer group), last sample.
# TYPE tracepipe_sink_pending gauge
tracepipe_sink_pending 20
)";

TEST(sink_metrics, page_is_unchanged_byte_for_byte) {
  sink_metrics m;
  fill(m);
  EXPECT_EQ(m.render(), std::string(expected_page + 1));  // + 1: the raw string's leading newline
}

}  // namespace
}  // namespace tracepipe::sink

#include "sink/metrics.hpp"

#include <fmt/format.h>

namespace tracepipe::sink {
namespace {

struct doc {
  const char* name;
  const char* type;
  const char* help;
};

void header(std::string& out, const doc& d) { common::metric_header(out, d.name, d.type, d.help); }

}  // namespace

std::string sink_metrics::render() const {
  // The one table of sink metrics (README's /metrics table mirrors it).
  static constexpr doc docs[] = {
      {"tracepipe_sink_batch_rows", "histogram", "Rows per insert batch."},
      {"tracepipe_sink_batch_bytes", "histogram", "Bytes per insert batch (the JSONEachRow body before compression)."},
      {"tracepipe_sink_insert_latency_us", "histogram", "ClickHouse INSERT request latency, microseconds."},
      {"tracepipe_sink_s3_put_latency_us", "histogram", "S3 PUT latency, microseconds."},
      {"tracepipe_sink_ack_lag_us", "histogram",
       "acked_at − received_at per run: from ingest to inserted and acknowledged, microseconds."},
      {"tracepipe_sink_rows_inserted_total", "counter", "Rows ClickHouse accepted."},
      {"tracepipe_sink_batches_inserted_total", "counter", "Insert batches ClickHouse accepted."},
      {"tracepipe_sink_blobs_put_total", "counter", "Payload fields and attachments written to S3."},
      {"tracepipe_sink_blob_bytes_total", "counter", "Bytes written to S3."},
      {"tracepipe_sink_dead_lettered_total", "counter", "Entries sent to the dead-letter stream."},
      {"tracepipe_sink_reclaimed_total", "counter", "Entries claimed from consumers that stopped answering."},
      {"tracepipe_sink_retries_total", "counter", "Retries after retryable failures, by cause."},
      {"tracepipe_sink_pending", "gauge",
       "Entries delivered to workers and not yet acknowledged (consumer group), last sample."},
  };
  std::string out;
  const common::histogram* hists[] = {&batch_rows, &batch_bytes, &insert_latency_us, &s3_put_latency_us, &ack_lag_us};
  for (int i = 0; i < 5; ++i) {
    header(out, docs[i]);
    hists[i]->render(out, docs[i].name);
  }
  const std::atomic<std::uint64_t>* counters[] = {&rows_inserted, &batches_inserted, &blobs_put,
                                                  &blob_bytes,    &dead_lettered,    &reclaimed};
  for (int i = 0; i < 6; ++i) {
    header(out, docs[5 + i]);
    out += fmt::format("{} {}\n", docs[5 + i].name, counters[i]->load());
  }
  header(out, docs[11]);
  const char* causes[] = {"clickhouse", "s3", "redis"};
  for (int i = 0; i < 3; ++i) out += fmt::format("{}{{cause=\"{}\"}} {}\n", docs[11].name, causes[i], retries[i].load());
  header(out, docs[12]);
  out += fmt::format("{} {}\n", docs[12].name, pending.load());
  return out;
}

}  // namespace tracepipe::sink

#include "sink/metrics.hpp"

#include <string_view>

#include <fmt/format.h>

namespace tracepipe::sink {
namespace {

/// Appends one metric's sample lines under `name`.
using value_printer = void (*)(const sink_metrics& m, std::string& out, std::string_view name);

/// One metric: what it is called and means, beside the value it prints.
struct metric_entry {
  const char* name;
  const char* type;
  const char* help;
  value_printer print;
};

template <auto member>
void histogram_of(const sink_metrics& m, std::string& out, std::string_view name) {
  (m.*member).render(out, name);
}

template <auto member>
void number_of(const sink_metrics& m, std::string& out, std::string_view name) {
  out += fmt::format("{} {}\n", name, (m.*member).load());
}

void retries_by_cause(const sink_metrics& m, std::string& out, std::string_view name) {
  const char* causes[] = {"clickhouse", "s3", "redis"};
  for (int i = 0; i < static_cast<int>(retry_cause::count_); ++i)
    out += fmt::format("{}{{cause=\"{}\"}} {}\n", name, causes[i], m.retries[i].load());
}

/// The one table of sink metrics, in page order (README's /metrics table mirrors it).
constexpr metric_entry table[] = {
    {"tracepipe_sink_batch_rows", "histogram", "Rows per insert batch.", histogram_of<&sink_metrics::batch_rows>},
    {"tracepipe_sink_batch_bytes", "histogram", "Bytes per insert batch (the JSONEachRow body before compression).",
     histogram_of<&sink_metrics::batch_bytes>},
    {"tracepipe_sink_insert_latency_us", "histogram", "ClickHouse INSERT request latency, microseconds.",
     histogram_of<&sink_metrics::insert_latency_us>},
    {"tracepipe_sink_s3_put_latency_us", "histogram", "S3 PUT latency, microseconds.",
     histogram_of<&sink_metrics::s3_put_latency_us>},
    {"tracepipe_sink_ack_lag_us", "histogram",
     "acked_at − received_at per run: from ingest to inserted and acknowledged, microseconds.",
     histogram_of<&sink_metrics::ack_lag_us>},
    {"tracepipe_sink_rows_inserted_total", "counter", "Rows ClickHouse accepted.",
     number_of<&sink_metrics::rows_inserted>},
    {"tracepipe_sink_batches_inserted_total", "counter", "Insert batches ClickHouse accepted.",
     number_of<&sink_metrics::batches_inserted>},
    {"tracepipe_sink_blobs_put_total", "counter", "Payload fields and attachments written to S3.",
     number_of<&sink_metrics::blobs_put>},
    {"tracepipe_sink_blob_bytes_total", "counter", "Bytes written to S3.", number_of<&sink_metrics::blob_bytes>},
    {"tracepipe_sink_s3_get_latency_us", "histogram",
     "ingest.mode s3-first: latency of the GETs of the objects ingest stored, microseconds.",
     histogram_of<&sink_metrics::s3_get_latency_us>},
    {"tracepipe_sink_objects_fetched_total", "counter",
     "ingest.mode s3-first: objects ingest stored, read back from S3 (once per batch that references them).",
     number_of<&sink_metrics::objects_fetched>},
    {"tracepipe_sink_object_bytes_fetched_total", "counter", "ingest.mode s3-first: bytes of those objects.",
     number_of<&sink_metrics::object_bytes_fetched>},
    {"tracepipe_sink_dead_lettered_total", "counter", "Entries sent to the dead-letter stream.",
     number_of<&sink_metrics::dead_lettered>},
    {"tracepipe_sink_reclaimed_total", "counter", "Entries claimed from consumers that stopped answering.",
     number_of<&sink_metrics::reclaimed>},
    {"tracepipe_sink_consumers_removed_total", "counter",
     "Consumers of gone workers removed from the group (nothing pending, idle past worker.consumer_expiry).",
     number_of<&sink_metrics::consumers_removed>},
    {"tracepipe_sink_retries_total", "counter", "Retries after retryable failures, by cause.", retries_by_cause},
    {"tracepipe_sink_pending", "gauge",
     "Entries delivered to workers and not yet acknowledged (consumer group), last sample.",
     number_of<&sink_metrics::pending>},
};

}  // namespace

std::string sink_metrics::render() const {
  std::string out;
  for (const auto& metric : table) {
    common::metric_header(out, metric.name, metric.type, metric.help);
    metric.print(*this, out, metric.name);
  }
  return out;
}

}  // namespace tracepipe::sink

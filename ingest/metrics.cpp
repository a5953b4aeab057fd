#include "ingest/metrics.hpp"

#include <fmt/format.h>

namespace tracepipe::ingest {
namespace {

struct metric_doc {
  const char* name;
  const char* type;
  const char* help;
};

/// The one table of ingest metrics (README's /metrics table mirrors it).
constexpr metric_doc docs[] = {
    {"tracepipe_ingest_requests_total", "counter", "HTTP requests answered, by route and status code."},
    {"tracepipe_ingest_runs_enqueued_total", "counter", "Run operations (posts and patches) and Langfuse events added to the streams."},
    {"tracepipe_ingest_bytes_enqueued_total", "counter", "Bytes of run JSON, parts and Langfuse event JSON added to the streams."},
    {"tracepipe_ingest_enqueue_latency_us", "histogram",
     "Time from handing a request's runs to Redis until every XADD was acknowledged, microseconds."},
    {"tracepipe_queue_depth", "gauge", "Entries in the run streams (all shards), last sample; the backlog."},
    {"tracepipe_ingest_inflight_bytes", "gauge", "Request bytes held in memory by requests being served."},
    {"tracepipe_ingest_connections", "gauge", "Open HTTP connections."},
    {"tracepipe_ingest_redis_ready", "gauge", "1 when the Redis connection is up, else 0."},
    {"tracepipe_ingest_connections_dropped_total", "counter",
     "Connections closed unanswered, by reason: read_timeout (no whole request within ingest.read_timeout), "
     "max_connections (over ingest.max_connections at accept), accept_error (accept failed, e.g. out of file "
     "descriptors; accepting pauses 100 ms)."},
    {"tracepipe_ingest_otlp_spans_total", "counter",
     "OTLP spans received, by outcome: accepted (enqueued as runs), rejected (no valid ids or start time; "
     "answered in partial_success), parent_elsewhere (accepted, but the parent span was not in the same export, "
     "so the run's dotted_order starts at the span itself)."},
    {"tracepipe_ingest_s3_objects_total", "counter",
     "ingest.mode s3-first: objects of requests stored in S3 before their references were enqueued, by outcome: "
     "stored, or failed (the request's objects, when any PUT of it failed: it was answered 503)."},
    {"tracepipe_ingest_s3_bytes_total", "counter", "ingest.mode s3-first: bytes of the objects stored in S3."},
    {"tracepipe_ingest_s3_store_latency_us", "histogram",
     "ingest.mode s3-first: time from handing a request's objects to the S3 threads until every PUT was answered, "
     "microseconds (waiting for a thread included)."},
};

void header(std::string& out, const metric_doc& d) { common::metric_header(out, d.name, d.type, d.help); }

}  // namespace

std::string_view route_label(route r) {
  switch (r) {
    case route::info: return "/info";
    case route::ok: return "/ok";
    case route::ready: return "/ready";
    case route::metrics: return "/metrics";
    case route::post_run: return "POST /runs";
    case route::patch_run: return "PATCH /runs/{id}";
    case route::batch: return "/runs/batch";
    case route::multipart: return "/runs/multipart";
    case route::otlp_traces: return "OTLP /v1/traces";
    case route::read_run: return "GET /runs/{id}";
    case route::query_runs: return "/runs/query";
    case route::sessions: return "/sessions";
    case route::langfuse_ingestion: return "/api/public/ingestion";
    default: return "other";
  }
}

std::string_view drop_label(drop_reason r) {
  switch (r) {
    case drop_reason::read_timeout: return "read_timeout";
    case drop_reason::max_connections: return "max_connections";
    default: return "accept_error";
  }
}

void metrics::count_request(route r, unsigned status) {
  std::size_t i = 0;
  while (i + 1 < statuses.size() && statuses[i] != status) ++i;
  requests_[static_cast<int>(r)][i].fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render(std::uint64_t queue_depth, std::uint64_t inflight_bytes, std::uint64_t connections,
                            bool redis_ready) const {
  std::string out;
  header(out, docs[0]);
  for (int r = 0; r < static_cast<int>(route::count_); ++r)
    for (std::size_t s = 0; s < statuses.size(); ++s)
      if (auto n = requests_[r][s].load(std::memory_order_relaxed))
        out += fmt::format("{}{{route=\"{}\",code=\"{}\"}} {}\n", docs[0].name, route_label(static_cast<route>(r)),
                           statuses[s] ? std::to_string(statuses[s]) : "other", n);
  header(out, docs[1]);
  out += fmt::format("{} {}\n", docs[1].name, runs_enqueued_.load());
  header(out, docs[2]);
  out += fmt::format("{} {}\n", docs[2].name, bytes_enqueued_.load());
  header(out, docs[3]);
  enqueue_latency_.render(out, docs[3].name);
  std::uint64_t gauges[] = {queue_depth, inflight_bytes, connections, redis_ready ? 1u : 0u};
  for (int i = 0; i < 4; ++i) {
    header(out, docs[4 + i]);
    out += fmt::format("{} {}\n", docs[4 + i].name, gauges[i]);
  }
  header(out, docs[8]);
  for (int r = 0; r < static_cast<int>(drop_reason::count_); ++r)
    out += fmt::format("{}{{reason=\"{}\"}} {}\n", docs[8].name, drop_label(static_cast<drop_reason>(r)),
                       drops_[r].load(std::memory_order_relaxed));
  header(out, docs[9]);
  const char* outcomes[] = {"accepted", "rejected", "parent_elsewhere"};
  for (int i = 0; i < 3; ++i)
    out += fmt::format("{}{{outcome=\"{}\"}} {}\n", docs[9].name, outcomes[i], otlp_spans_[i].load(std::memory_order_relaxed));
  header(out, docs[10]);
  out += fmt::format("{}{{outcome=\"stored\"}} {}\n", docs[10].name, objects_stored_.load());
  out += fmt::format("{}{{outcome=\"failed\"}} {}\n", docs[10].name, objects_failed_.load());
  header(out, docs[11]);
  out += fmt::format("{} {}\n", docs[11].name, bytes_stored_.load());
  header(out, docs[12]);
  store_latency_.render(out, docs[12].name);
  return out;
}

}  // namespace tracepipe::ingest

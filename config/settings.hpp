#pragma once
// Typed settings of every tracepipe process. Each field is one documented key
// in keys.cpp (default, unit, sentence); nothing else defines configuration.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace tracepipe::config {

using std::chrono::milliseconds;

struct redis_settings {
  std::string url;              ///< redis://[:password@]host:port[/db]
  /// A Redis Cluster's seed nodes (redis:// URLs); empty: the standalone Redis at `url`.
  std::vector<std::string> cluster;
  std::string stream;           ///< stream key prefix; shard n is "<stream>:{n}"
  int shards;                   ///< number of streams runs are spread over
  milliseconds command_timeout; ///< a command not answered by then fails the connection
  milliseconds reconnect_delay; ///< first delay between reconnect attempts
  milliseconds depth_interval;  ///< how often the queue depth is sampled
  int wait_replicas;            ///< replicas that must confirm an enqueue (WAIT); 0: none
  milliseconds wait_timeout;    ///< how long they may take before the request gets 503
};

/// An accepted API key, as configured: its hash, never the key itself.
struct api_key {
  std::string sha256_hex;  ///< 64 lower-case hex digits of SHA-256(key)
  std::string project;     ///< non-empty: the only project the key may write runs into
  bool operator==(const api_key&) const = default;
};

struct ingest_settings {
  std::string listen;                    ///< HOST:PORT
  bool reuse_port;                       ///< SO_REUSEPORT: several processes on one port
  int threads;                           ///< I/O threads
  std::size_t body_limit;                ///< bytes on the wire
  std::size_t langfuse_body_limit;       ///< bytes on the wire, POST /api/public/ingestion
  std::size_t decompressed_limit;        ///< bytes after gzip/zstd
  std::size_t header_limit;              ///< bytes of request line + headers
  std::size_t max_runs_per_request;      ///< post + patch operations
  std::size_t max_parts;                 ///< multipart parts per request
  std::size_t json_depth;                ///< nesting limit of any JSON document
  milliseconds read_timeout;             ///< whole request must arrive within it
  milliseconds idle_timeout;             ///< keep-alive connection idle limit
  std::size_t queue_high_watermark;      ///< entries in the streams → 429
  std::size_t inflight_high_watermark;   ///< request bytes held in memory → 429
  std::size_t max_connections;           ///< connections above it are refused
  int retry_after_s;                     ///< Retry-After on 429/503
  std::vector<api_key> api_keys;         ///< empty: no auth
  std::string default_project;           ///< project of runs naming none
  std::size_t read_concurrency;          ///< reads (GET /runs/{id}, POST /runs/query) at once; 429 beyond
  std::size_t read_max_limit;            ///< most runs one query returns
  milliseconds read_query_timeout;       ///< a read's ClickHouse query is cancelled after it (504)
  std::string mode;                      ///< direct | s3-first (Langfuse's: entries to S3, references to Redis)
};

struct clickhouse_settings {
  /// http(s)://host:port of the HTTP interface: one server, or each replica
  /// of `cluster` (inserts go round robin over those that answer). Never empty.
  std::vector<std::string> urls;
  std::string cluster;                  ///< <remote_servers> name; empty: a single server
  int insert_quorum;                    ///< 0: off; N: an insert succeeds once N replicas have it
  std::string user;
  std::string password;
  std::string database;
  std::string table;
  std::string langfuse_table_prefix;    ///< Langfuse's tables: <prefix>traces, <prefix>observations, <prefix>scores
  milliseconds timeout;
  bool async_insert;                    ///< on servers that have it (21.11+)
  bool project_index;                   ///< keep <table>_by_project for the read API (sink/schema.hpp)
  bool wait_for_async_insert;
  double async_insert_wait_pct;         ///< fraction of inserts that wait (LangSmith's lever)
  std::size_t async_insert_busy_timeout_ms;
  std::size_t async_insert_max_data_size;
  std::string compression;              ///< auto | zstd | gzip | none
  std::string ca_file;                  ///< PEM CA bundle verifying https:// instead of the system's; empty: system CAs
  /// The runs table's MergeTree limits, set when the table is created; 0:
  /// the server's own (150 and 300 before 23.6).
  int parts_to_delay_insert;
  int parts_to_throw_insert;
};

struct s3_settings {
  std::string endpoint;
  std::string bucket;
  std::string region;
  std::string access_key;
  std::string secret_key;
  std::string event_prefix;  ///< key prefix of what ingest.mode s3-first stores
  std::size_t concurrency;
  milliseconds timeout;
  std::string ca_file;  ///< PEM CA bundle verifying https:// instead of the system's; empty: system CAs
};

struct worker_settings {
  int pipelines;                  ///< concurrent batch pipelines in one process
  std::size_t batch_rows;
  std::size_t batch_bytes;
  milliseconds batch_age;
  std::string blob_mode;          ///< auto | always | never
  std::size_t blob_threshold;     ///< bytes
  std::string group;              ///< consumer group
  std::string consumer;           ///< consumer name prefix; empty: host-pid
  milliseconds reclaim_idle;
  milliseconds reclaim_interval;
  milliseconds consumer_expiry;   ///< 0: consumers are never removed
  int max_deliveries;
  std::string dead_letter_stream;
  milliseconds retry_initial;
  milliseconds retry_max;
  milliseconds shutdown_deadline;
  std::string listen;             ///< /metrics of a standalone worker
  milliseconds insert_delay;      ///< lab only: waited before every INSERT (a throttled ClickHouse)
};

struct settings {
  redis_settings redis;
  ingest_settings ingest;
  clickhouse_settings clickhouse;
  s3_settings s3;
  worker_settings worker;
};

}  // namespace tracepipe::config

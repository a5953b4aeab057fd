#include "config/keys.hpp"

#include <algorithm>
#include <cctype>

#include "config/api_keys.hpp"
#include "config/key_setters.hpp"
#include "config/units.hpp"

namespace tracepipe::config {
namespace {

using namespace key_setters;

template <class Add>
void add_sink_keys(Add& add) {
  using S = settings;
  using C = clickhouse_settings;
  using T = s3_settings;
  using W = worker_settings;
  auto C_ = section::clickhouse;
  auto T_ = section::s3;
  auto W_ = section::worker;
  add("clickhouse.url", C_, "--clickhouse-url", "http://127.0.0.1:8123", "url[,url…]",
      "ClickHouse HTTP interface the runs are inserted into; with clickhouse.cluster, every replica's, separated "
      "by commas: inserts go round robin over the replicas that answer, a retry to another one.",
      // A stack's CLICKHOUSE_URLS (every replica) wins over its CLICKHOUSE_URL (the first).
      urls_into(&C::urls), {"CLICKHOUSE_URL", "CLICKHOUSE_URLS"});
  add("clickhouse.cluster", C_, "--clickhouse-cluster", "", "name",
      "The servers' <remote_servers> cluster (1 shard, the replicas in clickhouse.url): the schema is created ON "
      "CLUSTER with Replicated tables, checked against system.clusters at start. Empty: a single server.",
      text_into(at(&S::clickhouse, &C::cluster), true), {"CLICKHOUSE_CLUSTER"});
  add("clickhouse.insert_quorum", C_, "--insert-quorum", "0", "count",
      "0: an insert succeeds once one replica has it (LangSmith's and Langfuse's default); N: once N replicas "
      "have it (insert_quorum). On 18.16 concurrent quorum inserts into one table fail (code 286) and are "
      "retried: README, Replicated ClickHouse.",
      count_into(at(&S::clickhouse, &C::insert_quorum), 0, 16));
  add("clickhouse.user", C_, "--clickhouse-user", "default", "name", "ClickHouse user (sent in X-ClickHouse-User).",
      text_into(at(&S::clickhouse, &C::user)), {"CLICKHOUSE_USER"});
  add("clickhouse.password", C_, "--clickhouse-password", "", "secret",
      "ClickHouse password (sent in X-ClickHouse-Key, never logged); file:PATH reads it from a file.", text_into(at(&S::clickhouse, &C::password), true),
      {"CLICKHOUSE_PASSWORD"}, true);
  add("clickhouse.ca_file", C_, "--clickhouse-ca-file", "", "path",
      "PEM file of the CA certificates an https:// ClickHouse is verified against instead of the system's (a "
      "private CA); checked at start; empty: the system CA store.",
      ca_file_into(at(&S::clickhouse, &C::ca_file)));
  add("clickhouse.database", C_, "--clickhouse-database", "tracepipe", "name",
      "Database of the runs table; created on start if absent.", text_into(at(&S::clickhouse, &C::database)));
  add("clickhouse.table", C_, "--clickhouse-table", "runs", "name",
      "Runs table; created on start if absent, with a <table>_merged view that applies patches.",
      text_into(at(&S::clickhouse, &C::table)));
  add("clickhouse.langfuse_table_prefix", C_, "--langfuse-table-prefix", "langfuse_", "name",
      "Prefix of the tables Langfuse's ingestion events go to, beside the runs table: <prefix>traces, "
      "<prefix>observations, <prefix>scores; created on start if absent.",
      text_into(at(&S::clickhouse, &C::langfuse_table_prefix)));
  add("clickhouse.timeout", C_, "--clickhouse-timeout", "30s", "duration",
      "An insert or query not answered within this time is retried.", duration_into(at(&S::clickhouse, &C::timeout)));
  add("clickhouse.project_index", C_, "--project-index", "false", "bool",
      "Keep the project index <table>_by_project (a materialized view) for the read API's project and trace "
      "queries: project pages 0.78x (p99 0.44x), trace reads 0.29x at p99 — at a cost of about a fifth of the "
      "single-node write path's top rate (bench/e2e_bench.sh).",
      bool_into(at(&S::clickhouse, &C::project_index)));
  add("clickhouse.async_insert", C_, "--async-insert", "true", "bool",
      "Use async inserts on servers that have them (21.11+); older servers get client batching only.",
      bool_into(at(&S::clickhouse, &C::async_insert)));
  add("clickhouse.wait_for_async_insert", C_, "--wait-for-async-insert", "true", "bool",
      "Whether an async insert is answered only once flushed; false acks buffered, not yet durable, rows.",
      bool_into(at(&S::clickhouse, &C::wait_for_async_insert)));
  add("clickhouse.async_insert_wait_pct", C_, "--async-insert-wait-pct", "1", "fraction",
      "Fraction of async inserts that wait for the flush (LangSmith's CLICKHOUSE_ASYNC_INSERT_WAIT_PCT_FLOAT).",
      [](settings& s, std::string_view text) -> std::optional<std::string> {
        try {
          std::size_t used = 0;
          double v = std::stod(std::string(text), &used);
          if (used != text.size() || v < 0 || v > 1) return "expected a number from 0 to 1";
          s.clickhouse.async_insert_wait_pct = v;
          return std::nullopt;
        } catch (const std::exception&) {
          return "expected a number from 0 to 1";
        }
      },
      {"CLICKHOUSE_ASYNC_INSERT_WAIT_PCT_FLOAT"});
  add("clickhouse.async_insert_busy_timeout_ms", C_, "--async-insert-busy-timeout-ms", "200", "ms",
      "Server-side async insert flush age.", count_into(at(&S::clickhouse, &C::async_insert_busy_timeout_ms), 1, 3600000));
  add("clickhouse.async_insert_max_data_size", C_, "--async-insert-max-data-size", "10MiB", "bytes",
      "Server-side async insert buffer size that forces a flush.",
      bytes_into(at(&S::clickhouse, &C::async_insert_max_data_size)));
  add("clickhouse.compression", C_, "--clickhouse-compression", "auto", "choice",
      "Insert body compression: auto (zstd where the server takes it, else gzip), zstd, gzip or none.",
      choice_into(at(&S::clickhouse, &C::compression), {"auto", "zstd", "gzip", "none"}));
  add("clickhouse.parts_to_delay_insert", C_, "--parts-to-delay-insert", "0", "count",
      "The runs table's parts_to_delay_insert, given when the worker creates it: once a partition has this many "
      "active parts, ClickHouse slows every INSERT down. Low values reach it at lab rates. 0: the server's own "
      "(150 before 23.6). 18.16 cannot change it on an existing table: the worker refuses one made otherwise.",
      count_into(at(&S::clickhouse, &C::parts_to_delay_insert), 0, 100000));
  add("clickhouse.parts_to_throw_insert", C_, "--parts-to-throw-insert", "0", "count",
      "The runs table's parts_to_throw_insert: with this many active parts in a partition, ClickHouse refuses "
      "INSERTs (TOO_MANY_PARTS, code 252; the worker retries them). 0: the server's own (300 before 23.6).",
      count_into(at(&S::clickhouse, &C::parts_to_throw_insert), 0, 100000));

  add("s3.endpoint", T_, "--s3-endpoint", "http://127.0.0.1:9000", "url",
      "S3 endpoint for offloaded payloads (path-style URLs).",
      [](settings& s, std::string_view text) -> std::optional<std::string> {
        if (text.substr(0, 7) != "http://" && text.substr(0, 8) != "https://") return "expected an http(s):// URL";
        s.s3.endpoint = std::string(text);
        return std::nullopt;
      },
      {"S3_ENDPOINT"});
  add("s3.bucket", T_, "--s3-bucket", "tracepipe", "name", "Bucket for offloaded payloads and attachments.",
      text_into(at(&S::s3, &T::bucket)), {"S3_BUCKET"});
  add("s3.region", T_, "--s3-region", "us-east-1", "name", "Region used in request signing.",
      text_into(at(&S::s3, &T::region)), {"S3_REGION", "AWS_REGION"});
  add("s3.access_key", T_, "--s3-access-key", "", "secret", "Access key id; file:PATH reads it from a file.",
      text_into(at(&S::s3, &T::access_key), true), {"AWS_ACCESS_KEY_ID"}, true);
  add("s3.secret_key", T_, "--s3-secret-key", "", "secret", "Secret access key (never logged); file:PATH reads it from a file.",
      text_into(at(&S::s3, &T::secret_key), true), {"AWS_SECRET_ACCESS_KEY"}, true);
  add("s3.ca_file", T_, "--s3-ca-file", "", "path",
      "PEM file of the CA certificates an https:// S3 endpoint is verified against instead of the system's (a "
      "private CA); checked at start; empty: the system CA store.",
      ca_file_into(at(&S::s3, &T::ca_file)), {"AWS_CA_BUNDLE"});
  add("s3.event_prefix", T_, "--s3-event-prefix", "events/", "text",
      "Key prefix of the objects ingest.mode s3-first stores (Langfuse's LANGFUSE_S3_EVENT_UPLOAD_PREFIX): "
      "<prefix><project>/<entity: run, trace, observation or score>/<id>/<uuid>.json.",
      text_into(at(&S::s3, &T::event_prefix)));
  add("s3.concurrency", T_, "--s3-concurrency", "16", "count",
      "Requests in flight per pipeline, and per ingest S3 thread in s3-first mode.",
      count_into(at(&S::s3, &T::concurrency), 1, 1024));
  add("s3.timeout", T_, "--s3-timeout", "15s", "duration", "A PUT not done within this time is retried.",
      duration_into(at(&S::s3, &T::timeout)));

  add("worker.pipelines", W_, "--pipelines", "2", "count",
      "Concurrent batch pipelines (read → S3 → insert → ack) in one worker process.",
      count_into(at(&S::worker, &W::pipelines), 1, 256));
  add("worker.batch_rows", W_, "--batch-rows", "10000", "rows",
      "A batch is inserted when it holds this many rows (ClickHouse prefers large, infrequent inserts).",
      count_into(at(&S::worker, &W::batch_rows), 1, 10'000'000));
  add("worker.batch_bytes", W_, "--batch-bytes", "16MiB", "bytes", "… or this many bytes of inline payload.",
      bytes_into(at(&S::worker, &W::batch_bytes)));
  add("worker.batch_age", W_, "--batch-age", "1s", "duration",
      "… or so that its oldest row is in ClickHouse about this long after ingest received it: the flush starts "
      "at this age less the time recent flushes took (at most half of it).",
      duration_into(at(&S::worker, &W::batch_age)));
  add("worker.blob_mode", W_, "--blob", "auto", "choice",
      "Payload offload: auto (fields over blob_threshold to S3), always, or never (everything inline).",
      choice_into(at(&S::worker, &W::blob_mode), {"auto", "always", "never"}));
  add("worker.blob_threshold", W_, "--blob-threshold", "20KiB", "bytes",
      "Fields and attachments larger than this go to S3 in auto mode (LangSmith's MIN_BLOB_STORAGE_SIZE_KB).",
      bytes_into(at(&S::worker, &W::blob_threshold), 0));
  add("worker.group", W_, "--group", "tracepipe-sink", "name", "Redis consumer group shared by all workers.",
      text_into(at(&S::worker, &W::group)));
  add("worker.consumer", W_, "--consumer", "", "name",
      "Consumer name prefix of this process (pipelines add -0, -1 …); empty: <hostname>-<pid>.",
      text_into(at(&S::worker, &W::consumer), true));
  add("worker.reclaim_idle", W_, "--reclaim-idle", "60s", "duration",
      "Pending entries idle this long (their consumer died) are claimed by a live one; live consumers refresh "
      "what they hold, so keep it above clickhouse.timeout.",
      duration_into(at(&S::worker, &W::reclaim_idle)));
  add("worker.reclaim_interval", W_, "--reclaim-interval", "5s", "duration", "How often to look for such entries.",
      duration_into(at(&S::worker, &W::reclaim_interval)));
  add("worker.consumer_expiry", W_, "--consumer-expiry", "10m", "duration",
      "A consumer of the group that holds nothing and has not read for this long (its worker is gone: "
      "autoscaled away, restarted) is removed from the group by a live worker; 0: never. Keep it well above "
      "worker.reclaim_idle.",
      duration_or_zero_into(at(&S::worker, &W::consumer_expiry)));
  add("worker.max_deliveries", W_, "--max-deliveries", "5", "count",
      "An entry delivered more often than this goes to the dead-letter stream with the reason.",
      count_into(at(&S::worker, &W::max_deliveries), 1, 1000));
  add("worker.dead_letter_stream", W_, "--dead-letter-stream", "tracepipe:dead", "key",
      "Stream receiving entries that cannot be inserted, with the reason. On a Redis Cluster one per shard, "
      "with the shard's hash tag: tracepipe:dead:{3} for tracepipe:runs:{3}.",
      text_into(at(&S::worker, &W::dead_letter_stream)));
  add("worker.retry_initial", W_, "--retry-initial", "200ms", "duration",
      "First backoff after a retryable ClickHouse/S3/Redis failure; doubles with jitter.",
      duration_into(at(&S::worker, &W::retry_initial)));
  add("worker.retry_max", W_, "--retry-max", "10s", "duration", "Longest backoff between retries.",
      duration_into(at(&S::worker, &W::retry_max)));
  add("worker.shutdown_deadline", W_, "--shutdown-deadline", "30s", "duration",
      "On SIGTERM/SIGINT, in-flight batches get this long to insert and ack; the rest stays pending.",
      duration_into(at(&S::worker, &W::shutdown_deadline)));
  add("worker.listen", W_, "--metrics-listen", "127.0.0.1:0", "HOST:PORT",
      "Where a standalone worker serves /metrics and /ok (port 0: a free one, printed).",
      [](settings& s, std::string_view text) -> std::optional<std::string> {
        auto colon = text.rfind(':');
        auto port = colon == std::string_view::npos ? std::nullopt : parse_integer(text.substr(colon + 1));
        if (colon == 0 || !port || *port < 0 || *port > 65535) return "expected HOST:PORT, e.g. 127.0.0.1:9091";
        s.worker.listen = std::string(text);
        return std::nullopt;
      });
  add("worker.insert_delay", W_, "--insert-delay", "0s", "duration",
      "Lab only: wait this long before every ClickHouse INSERT, a throttled ClickHouse as the pipelines see it "
      "(the scenarios' lever); 0 in production.",
      duration_or_zero_into(at(&S::worker, &W::insert_delay)));
}

std::vector<key> make_keys() {
  using S = settings;
  using R = redis_settings;
  using I = ingest_settings;
  std::vector<key> k;
  auto add = [&](std::string name, section g, std::string flag, std::string def, std::string unit,
                 std::string help, setter apply, std::vector<std::string> aliases = {}, bool secret = false) {
    k.push_back(key{std::move(name), g, std::move(flag), std::move(def), std::move(unit), std::move(help),
                    std::move(aliases), secret, std::move(apply)});
  };
  auto R_ = section::redis;
  auto I_ = section::ingest;
  add("redis.url", R_, "--redis-url", "redis://127.0.0.1:6379", "url",
      "Redis server holding the run streams; a password (sent with AUTH) may be given as redis://:PASSWORD@host:port; "
      "file:PATH reads the URL from a file.",
      redis_url_into(), {"REDIS_URL"}, true);
  add("redis.cluster", R_, "--redis-cluster", "", "url[,url…]",
      "Seed nodes of a Redis Cluster (redis:// URLs, separated by commas; a password given in them logs in on "
      "every node): ingest sends each shard's transaction, and the workers each shard's reads and acks, to the "
      "master of the shard's slot, following MOVED, ASK and failovers. Empty: the standalone Redis at redis.url.",
      redis_cluster_into(), {"REDIS_CLUSTER"}, true);
  add("redis.stream", R_, "--stream", "tracepipe:runs", "key",
      "Prefix of the stream keys; shard n is '<prefix>:{n}' so shards spread over a Redis Cluster.",
      text_into(at(&S::redis, &R::stream)));
  add("redis.shards", R_, "--shards", "1", "count",
      "Number of streams runs are spread over, chosen by a hash of the run's trace_id.",
      count_into(at(&S::redis, &R::shards), 1, 1024));
  add("redis.command_timeout", R_, "--redis-timeout", "2s", "duration",
      "A Redis command not answered within this time fails the connection and its requests (503).",
      duration_into(at(&S::redis, &R::command_timeout)));
  add("redis.reconnect_delay", R_, "--redis-reconnect-delay", "200ms", "duration",
      "First delay before reconnecting to Redis; doubles on each failure up to 5 s.",
      duration_into(at(&S::redis, &R::reconnect_delay)));
  add("redis.wait_replicas", R_, "--wait-replicas", "0", "count",
      "Replicas that must confirm each enqueue (Redis WAIT) before ingest answers 202; a WAIT that times out "
      "answers 503. 0: answer once the master has it, as LangSmith and Langfuse do. Narrows what a failover can "
      "lose; Redis replication stays asynchronous.",
      count_into(at(&S::redis, &R::wait_replicas), 0, 5));
  add("redis.wait_timeout", R_, "--wait-timeout", "1s", "duration",
      "How long an enqueue waits for redis.wait_replicas replicas before it answers 503; shorter than "
      "redis.command_timeout.",
      duration_into(at(&S::redis, &R::wait_timeout)));
  add("redis.depth_interval", R_, "--depth-interval", "100ms", "duration",
      "How often the queue depth (entries over all shards) is sampled for admission control and /metrics.",
      duration_into(at(&S::redis, &R::depth_interval)));

  add("ingest.listen", I_, "--listen", "127.0.0.1:8080", "HOST:PORT",
      "Address the HTTP front end listens on; port 0 picks a free one (printed at start).", listen_into());
  add("ingest.reuse_port", I_, "--reuse-port", "false", "bool",
      "Set SO_REUSEPORT on the listening socket, so that several ingest processes listen on one port and the "
      "kernel spreads new connections over them, as a Kubernetes Service spreads them over pods: where there is "
      "no load balancer (one machine, the fault tests). Every process on the port must set it; a connection stays "
      "with the process that accepted it.",
      bool_into(at(&S::ingest, &I::reuse_port)));
  add("ingest.threads", I_, "--threads", "1", "count", "I/O threads serving HTTP connections.",
      count_into(at(&S::ingest, &I::threads), 1, 256));
  add("ingest.body_limit", I_, "--body-limit", "25MiB", "bytes",
      "Largest request body accepted as sent on the wire (413 above), like self-hosted LangSmith.",
      bytes_into(at(&S::ingest, &I::body_limit)));
  add("ingest.langfuse_body_limit", I_, "--langfuse-body-limit", "4.5MiB", "bytes",
      "Largest body of Langfuse's POST /api/public/ingestion as sent (413 above): Langfuse's own limit, its "
      "bodyParser's 4.5mb; at most ingest.body_limit.",
      bytes_into(at(&S::ingest, &I::langfuse_body_limit)));
  add("ingest.decompressed_limit", I_, "--decompressed-limit", "100MiB", "bytes",
      "Largest request body after gzip/zstd decompression (413 above); stops compression bombs.",
      bytes_into(at(&S::ingest, &I::decompressed_limit)));
  add("ingest.header_limit", I_, "--header-limit", "16KiB", "bytes",
      "Largest request line plus headers (431 above).", bytes_into(at(&S::ingest, &I::header_limit), 1024));
  add("ingest.max_runs_per_request", I_, "--max-runs-per-request", "10000", "count",
      "Most run operations (posts plus patches) one request may carry (413 above).",
      count_into(at(&S::ingest, &I::max_runs_per_request), 1, 10'000'000));
  add("ingest.max_parts", I_, "--max-parts", "100000", "count",
      "Most parts one multipart request may have (413 above).",
      count_into(at(&S::ingest, &I::max_parts), 1, 10'000'000));
  add("ingest.json_depth", I_, "--json-depth", "64", "count",
      "Deepest nesting of objects and arrays accepted in any JSON document (400 above; an empty innermost "
      "container may go one level deeper).",
      count_into(at(&S::ingest, &I::json_depth), 2, 1024));
  add("ingest.read_timeout", I_, "--read-timeout", "30s", "duration",
      "A request (headers and body) must arrive within this time, or the connection is closed.",
      duration_into(at(&S::ingest, &I::read_timeout)));
  add("ingest.idle_timeout", I_, "--idle-timeout", "60s", "duration",
      "A keep-alive connection with no request for this long is closed.",
      duration_into(at(&S::ingest, &I::idle_timeout)));
  add("ingest.queue_high_watermark", I_, "--queue-high-watermark", "1000000", "entries",
      "When the streams hold this many entries, new requests get 429 with Retry-After.",
      count_into(at(&S::ingest, &I::queue_high_watermark), 1, 1'000'000'000'000LL));
  add("ingest.inflight_high_watermark", I_, "--inflight-high-watermark", "512MiB", "bytes",
      "When request bodies held in memory reach this many bytes, new requests get 429 with Retry-After.",
      bytes_into(at(&S::ingest, &I::inflight_high_watermark)));
  add("ingest.read_concurrency", I_, "--read-concurrency", "8", "count",
      "Reads (GET /runs/{id}, POST /runs/query, GET /sessions) served at once; more get 429 with Retry-After, so "
      "that a read storm cannot take ingest down. Each holds one ClickHouse query.",
      count_into(at(&S::ingest, &I::read_concurrency), 1, 1024));
  add("ingest.read_max_limit", I_, "--read-max-limit", "100", "count",
      "Most runs one POST /runs/query page returns (400 for a larger limit; LangSmith's own maximum is 100).",
      count_into(at(&S::ingest, &I::read_max_limit), 1, 10000));
  add("ingest.read_query_timeout", I_, "--read-query-timeout", "10s", "duration",
      "A read's ClickHouse query is cancelled after this long (max_execution_time) and answered 504.",
      duration_into(at(&S::ingest, &I::read_query_timeout)));
  add("ingest.max_connections", I_, "--max-connections", "10000", "count",
      "Open connections above this are closed at once.",
      count_into(at(&S::ingest, &I::max_connections), 1, 1'000'000));
  add("ingest.retry_after", I_, "--retry-after", "1", "seconds",
      "Value of the Retry-After header sent with 429 and 503.",
      count_into(at(&S::ingest, &I::retry_after_s), 0, 3600));
  add("ingest.api_keys", I_, "--api-keys", "", "list",
      "Comma-separated hashes of the keys accepted in x-api-key, each sha256:<hex> (from `tracepipe key hash`), "
      "optionally bound to one project as sha256:<hex>@project; empty means no authentication; file:PATH reads them "
      "from a file, one a line.",
      [](settings& s, std::string_view text) { return parse_api_keys(text, s.ingest.api_keys); }, {}, true);
  add("ingest.default_project", I_, "--default-project", "default", "name",
      "Project recorded for runs that name neither session_name nor session_id.",
      text_into(at(&S::ingest, &I::default_project)));
  add("ingest.mode", I_, "--ingest-mode", "direct", "choice",
      "direct: a request's runs and events go into the Redis stream whole (LangSmith's write path). s3-first: "
      "Langfuse v3's: they are PUT to S3 first, one object per run or Langfuse entity under s3.event_prefix, "
      "the stream carries only references, and workers GET the objects back before inserting; S3 down means 503 "
      "and nothing enqueued.",
      choice_into(at(&S::ingest, &I::mode), {"direct", "s3-first"}));
  add_sink_keys(add);
  return k;
}

}  // namespace

std::string_view section_name(section s) {
  switch (s) {
    case section::redis: return "redis";
    case section::ingest: return "ingest";
    case section::clickhouse: return "clickhouse";
    case section::s3: return "s3";
    case section::worker: return "worker";
  }
  return "";
}

std::string key::env_name() const {
  std::string out = "TRACEPIPE_";
  for (char c : name) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const std::vector<key>& keys() {
  static const std::vector<key> table = make_keys();
  return table;
}

const key* find_key(std::string_view name) {
  for (const auto& k : keys())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace tracepipe::config

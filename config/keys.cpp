#include "config/keys.hpp"

#include <algorithm>
#include <cctype>

#include "config/units.hpp"
#include "queue/redis_endpoint.hpp"

namespace tracepipe::config {
namespace {

using setter = std::function<std::optional<std::string>(settings&, std::string_view)>;

template <class Field>
setter bytes_into(Field field, std::size_t min = 1) {
  return [field, min](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_bytes(text);
    if (!v) return "expected a size such as 1048576, 512KiB or 25MiB";
    if (*v < min) return "must be at least " + std::to_string(min) + " bytes";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

template <class Field>
setter duration_into(Field field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_duration(text);
    if (!v || v->count() <= 0) return "expected a positive duration such as 250ms, 30s or 5m";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

template <class Field>
setter count_into(Field field, long long min, long long max) {
  return [field, min, max](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_integer(text);
    if (!v || *v < min || *v > max)
      return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    using target = std::remove_reference_t<decltype(s.*field.first.*field.second)>;
    s.*field.first.*field.second = static_cast<target>(*v);
    return std::nullopt;
  };
}

template <class Field>
setter text_into(Field field, bool allow_empty = false) {
  return [field, allow_empty](settings& s, std::string_view text) -> std::optional<std::string> {
    if (text.empty() && !allow_empty) return "must not be empty";
    s.*field.first.*field.second = std::string(text);
    return std::nullopt;
  };
}

template <class Outer, class Inner>
auto at(Outer outer, Inner inner) { return std::pair{outer, inner}; }

setter listen_into() {
  return [](settings& s, std::string_view text) -> std::optional<std::string> {
    auto colon = text.rfind(':');
    auto port = colon == std::string_view::npos ? std::nullopt : parse_integer(text.substr(colon + 1));
    if (colon == 0 || !port || *port < 0 || *port > 65535) return "expected HOST:PORT, e.g. 127.0.0.1:8080";
    s.ingest.listen = std::string(text);
    return std::nullopt;
  };
}

setter redis_url_into() {
  return [](settings& s, std::string_view text) -> std::optional<std::string> {
    if (!queue::parse_redis_url(text)) return "expected redis://[[user]:password@]host[:port][/db]";
    s.redis.url = std::string(text);
    return std::nullopt;
  };
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
      "Redis server holding the run streams; a password may be given as redis://:PASSWORD@host:port.",
      redis_url_into(), {"REDIS_URL"}, true);
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
  add("redis.depth_interval", R_, "--depth-interval", "100ms", "duration",
      "How often the queue depth (entries over all shards) is sampled for admission control and /metrics.",
      duration_into(at(&S::redis, &R::depth_interval)));

  add("ingest.listen", I_, "--listen", "127.0.0.1:8080", "HOST:PORT",
      "Address the HTTP front end listens on; port 0 picks a free one (printed at start).", listen_into());
  add("ingest.threads", I_, "--threads", "1", "count", "I/O threads serving HTTP connections.",
      count_into(at(&S::ingest, &I::threads), 1, 256));
  add("ingest.body_limit", I_, "--body-limit", "25MiB", "bytes",
      "Largest request body accepted as sent on the wire (413 above), like self-hosted LangSmith.",
      bytes_into(at(&S::ingest, &I::body_limit)));
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
  add("ingest.max_connections", I_, "--max-connections", "10000", "count",
      "Open connections above this are closed at once.",
      count_into(at(&S::ingest, &I::max_connections), 1, 1'000'000));
  add("ingest.retry_after", I_, "--retry-after", "1", "seconds",
      "Value of the Retry-After header sent with 429 and 503.",
      count_into(at(&S::ingest, &I::retry_after_s), 0, 3600));
  add("ingest.api_keys", I_, "--api-keys", "", "list",
      "Comma-separated API keys accepted in x-api-key; empty means no authentication.",
      [](settings& s, std::string_view text) -> std::optional<std::string> {
        s.ingest.api_keys = parse_list(text);
        return std::nullopt;
      },
      {}, true);
  add("ingest.default_project", I_, "--default-project", "default", "name",
      "Project recorded for runs that name neither session_name nor session_id.",
      text_into(at(&S::ingest, &I::default_project)));
  return k;
}

}  // namespace

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

#pragma once
// A blocking ClickHouse HTTP client, one per worker thread: it keeps one curl
// easy handle, so the TCP (or TLS) connection is reused between requests.
// Credentials travel in X-ClickHouse-User / X-ClickHouse-Key headers, never
// in the URL, and never appear in a result's message.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "sink/clickhouse_error.hpp"
#include "sink/clickhouse_version.hpp"

namespace tracepipe::sink {

struct clickhouse_settings {
  std::string url;  ///< "http://127.0.0.1:8123" or "https://host:8443/"; no credentials in it
  std::string user = "default";
  std::string password;
  std::chrono::milliseconds timeout{30000};  ///< whole request, connect included
  /// PEM CA bundle an https:// server is verified against, instead of the
  /// system CA store (CURLOPT_CAINFO, no CA path); empty: the system's.
  std::string ca_file{};
};

/// The client settings for server `replica` (0-based) of the configured ones.
clickhouse_settings client_settings(const config::clickhouse_settings& c, std::size_t replica = 0);

/// The configured servers' URLs, comma-separated, for messages.
std::string urls_text(const config::clickhouse_settings& c);

/// The outcome of one request.
struct clickhouse_result {
  failure kind = failure::none;
  long http_status = 0;      ///< 0 when no response arrived
  int code = 0;              ///< ClickHouse exception code, 0 when none
  std::string message;       ///< exception text, HTTP status or transport error; empty on success
  std::string body;          ///< the response body as received
  std::chrono::microseconds latency{0};  ///< request sent → response read

  bool ok() const { return kind == failure::none; }
};

enum class body_compression { none, gzip, zstd };

/// URL settings, in order: {"async_insert", "1"} → `&async_insert=1`.
using query_settings = std::vector<std::pair<std::string, std::string>>;

/// Compresses a request body: gzip (zlib, gzip wrapper) or zstd (one frame),
/// both at their fastest level; `none` copies. False only if the library fails.
bool compress_body(body_compression method, std::string_view in, std::string& out);

class clickhouse_client {
 public:
  explicit clickhouse_client(clickhouse_settings settings);
  ~clickhouse_client();
  clickhouse_client(const clickhouse_client&) = delete;
  clickhouse_client& operator=(const clickhouse_client&) = delete;

  /// POSTs sql (DDL, INSERT … SELECT, SELECT …) with wait_end_of_query=1 and
  /// the settings as URL parameters; on success result.body holds the
  /// answer (add FORMAT in sql as needed).
  clickhouse_result query(std::string_view sql, const query_settings& settings = {});

  /// INSERT INTO <table> FORMAT JSONEachRow with `rows` (one JSON object per
  /// line) as the body, compressed as asked (Content-Encoding), and query_id,
  /// wait_end_of_query=1 and the settings as URL parameters. zstd needs
  /// clickhouse_version::has_zstd_request_bodies(); older servers answer
  /// code 89 (fatal).
  clickhouse_result insert(std::string_view table, std::string_view rows, std::string_view query_id,
                           body_compression compression, const query_settings& settings = {});

  /// GET /ping answers "Ok." within `timeout` (shorter than an insert's:
  /// a frozen server must not hold the caller for a whole insert timeout).
  bool ping(std::chrono::milliseconds timeout);

  /// SELECT version() → parsed; nullopt when unreachable or unparseable,
  /// with *why saying so.
  std::optional<clickhouse_version> probe_version(clickhouse_result* why = nullptr);

  const clickhouse_settings& settings() const { return settings_; }

 private:
  struct handle;
  clickhouse_result post(const std::string& url, std::string_view body, std::string_view content_encoding);
  std::string url_with(const query_settings& params) const;

  clickhouse_settings settings_;
  std::unique_ptr<handle> handle_;
  std::string compressed_;  ///< reused between inserts, so a steady batch size allocates once
};

}  // namespace tracepipe::sink

#pragma once
// Puts objects into S3 (or anything speaking its REST API) and gets them
// back, for one thread: blocking calls that drive many requests at once on
// one libcurl multi handle, sign each request themselves (sigv4.hpp), and
// keep connections and easy handles across calls. Not thread-safe: one
// client per thread, as libcurl handles must never be shared across threads.
// The sink's workers PUT offloaded payloads and GET what ingest stored in
// s3-first mode; ingest PUTs the events it stores first.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::s3 {

/// Where and how to write. Path-style URLs: endpoint/bucket/key.
struct client_settings {
  /// "http://127.0.0.1:PORT" or "https://s3.amazonaws.com" (peer verified against the system CAs)
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::size_t max_concurrency = 16;          ///< requests in flight at once, and connections kept
  std::chrono::milliseconds timeout{15000};  ///< per request, connecting included
  /// PEM CA bundle an https:// endpoint is verified against, instead of the
  /// system CA store (CURLOPT_CAINFO, no CA path); empty: the system's.
  std::string ca_file{};
};

/// One object to PUT; `body` must stay valid during the call.
struct object {
  std::string key;  ///< non-empty; any bytes, encoded on the wire (prefer [A-Za-z0-9/_.-])
  std::string_view body;
  std::string content_type;  ///< empty: application/octet-stream
};

/// What became of one request.
struct reply {
  bool ok = false;       ///< S3 answered 2xx
  long http_status = 0;  ///< 0 when no response came (connect error, timeout)
  /// Empty when ok; else the curl error, or "HTTP <status> <Code>: <Message>" from S3's XML.
  std::string error;
  std::chrono::microseconds latency{0};  ///< request start to last byte of the answer
};

class client {
 public:
  /// Throws std::invalid_argument naming the bad setting (endpoint, bucket,
  /// max_concurrency, an unreadable ca_file); never contacts S3.
  explicit client(client_settings settings);
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;

  /// PUTs every object, at most max_concurrency at a time; one reply per
  /// object, same order. Never throws for S3 or network errors. `give_up`,
  /// asked about once a second while requests are open, ends the call early:
  /// what had no answer yet fails (a stopping worker's deadline is not held
  /// up by an S3 that does not answer, request timeout after timeout).
  std::vector<reply> put_all(const std::vector<object>& objects, const std::function<bool()>& give_up = {});

  /// GETs every key the same way; one answer per key, same order, the
  /// object's bytes in `body` when `reply.ok`.
  struct fetched {
    s3::reply reply;
    std::string body;
  };
  std::vector<fetched> get_all(const std::vector<std::string>& keys, const std::function<bool()>& give_up = {});

  /// GETs one object (tests, tools, reconciliation): its bytes, or nullopt
  /// with the reason in `*error` when given.
  std::optional<std::string> get(const std::string& key, std::string* error = nullptr);

  /// "s3://bucket/key", the reference stored in ClickHouse rows.
  std::string reference(const std::string& key) const;

  const client_settings& settings() const;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tracepipe::s3

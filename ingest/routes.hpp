#pragma once
// Request handling without I/O: given a request (first its header, then the
// whole of it) decide the answer, or the run operations (or Langfuse events)
// to enqueue before answering 202 (207). The session in server.cpp performs
// what this decides.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>

#include "ingest/langfuse/event_reader.hpp"
#include "ingest/metrics.hpp"
#include "ingest/read_api.hpp"
#include "ingest/run_op.hpp"
#include "ingest/run_reader.hpp"
#include "ingest/service.hpp"

namespace tracepipe::ingest {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;

struct outcome {
  route which = route::other;
  /// The answer; with ops, the answer once they are enqueued: 202
  /// {"accepted": N} unless the route set its own (own_answer).
  unsigned status = 200;
  std::string body;
  bool own_answer = false;
  std::string content_type = "application/json";
  bool retry_after = false;     ///< 429/503: tell the client when to come back
  std::vector<run_op> ops;      ///< non-empty: enqueue, then answer 202
  /// Non-empty: enqueue, then give the route's own answer (Langfuse's 207).
  std::vector<langfuse::event> events;
  std::optional<read_call> read;  ///< set: ask the read store, answer what it says
  /// Decompressed body; ops' part views may point into it, so it lives on
  /// the heap where moving the outcome cannot move it.
  std::unique_ptr<std::string> decoded = std::make_unique<std::string>();
};

route route_of(http::verb method, std::string_view target);

/// Decided on the header alone, before the body is read: unknown route,
/// missing key, Redis down, over the watermarks. nullopt: read the body.
std::optional<outcome> check_header(const http::request_header<>& header, service& svc);

/// The largest body the route takes as sent: ingest.langfuse_body_limit for
/// Langfuse's ingestion (its own 4.5 MB), ingest.body_limit for the others.
std::size_t body_limit_of(route which, const config::ingest_settings& s);

/// The body size a request declares (Content-Length, at most body_limit; 0
/// when chunked or absent). Only a request's own admission looks at it: bytes
/// count as in flight when they arrive, so clients that declare a large body
/// and never send it hold nothing back from the others.
std::uint64_t declared_body_bytes(const http::request_header<>& header, const config::ingest_settings& s);

/// The whole request.
outcome handle(request& req, service& svc, run_reader& reader);

/// 429: ingest.read_concurrency reads are in progress.
rejection reads_full(const config::ingest_settings& s);

/// {"error": …, "detail": …} with the status.
outcome refuse(route which, const rejection& r);
/// The same, in the request's route's own form: OTLP clients get a
/// google.rpc.Status in the encoding they sent.
outcome refuse(const http::request_header<>& header, const rejection& r);
/// The JSON body of every refusal, reads' too: {"error": …, "detail": …}.
std::string rejection_body(const rejection& r);

}  // namespace tracepipe::ingest

// The HTTP request path as ingest sees it: Beast's request parser with the
// session's limits over the raw bytes, then check_header and handle (routes,
// decompression, multipart, run validation) and the stream entries an
// accepted request becomes — everything the session does short of sockets
// and Redis. The Redis connection is never started (ready() is false), so
// run routes are handled as if the header check had passed.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include "config/loader.hpp"
#include "fuzz/run_checks.hpp"
#include "ingest/routes.hpp"
#include "ingest/stream_fields.hpp"
#include "queue/depth_sampler.hpp"
#include "trace.pb.h"

using namespace tracepipe;
namespace http = boost::beast::http;

namespace {

struct world {
  boost::asio::io_context io;
  std::shared_ptr<queue::redis_connection> conn =
      std::make_shared<queue::redis_connection>(io.get_executor(), common::redis_endpoint{},
                                                queue::connection_options{});
  queue::stream_producer producer{conn, "tracepipe:runs", 4};
  std::shared_ptr<queue::depth_sampler> depth =
      std::make_shared<queue::depth_sampler>(producer, std::chrono::milliseconds(1000));
  std::unique_ptr<ingest::service> svc;
  std::unique_ptr<ingest::run_reader> reader;

  world() {
    auto s = config::defaults().ingest;
    // Small enough that the fuzzer reaches the limits, and decompression
    // bombs stay cheap.
    s.body_limit = 256 * 1024;
    s.decompressed_limit = 1024 * 1024;
    s.max_runs_per_request = 100;
    s.max_parts = 100;
    svc = std::make_unique<ingest::service>(s, producer, *depth);
    // As the session's reader_for: the limits view the service's settings.
    const auto& kept = svc->settings;
    reader = std::make_unique<ingest::run_reader>(
        ingest::reader_limits{kept.json_depth, kept.max_runs_per_request, kept.default_project});
  }
};

/// {"error", "detail"}; on the OTLP route a google.rpc.Status in the
/// request's encoding (protobuf, or JSON {"code", "message"}).
void check_refusal_body(const ingest::outcome& o) {
  static simdjson::dom::parser parser;
  if (o.which == ingest::route::otlp_traces && o.content_type == "application/x-protobuf") {
    ingest::otlp::wire::RpcStatus status;
    FUZZ_CHECK(status.ParseFromString(o.body) && status.code() != 0 && !status.message().empty());
    return;
  }
  simdjson::dom::object obj;
  FUZZ_CHECK(parser.parse(o.body).get(obj) == simdjson::SUCCESS);
  std::string_view s;
  if (o.which == ingest::route::otlp_traces) {
    std::int64_t code = 0;
    FUZZ_CHECK(obj["code"].get(code) == simdjson::SUCCESS && code != 0);
    FUZZ_CHECK(obj["message"].get(s) == simdjson::SUCCESS && !s.empty());
    return;
  }
  FUZZ_CHECK(obj["error"].get(s) == simdjson::SUCCESS && !s.empty());
  FUZZ_CHECK(obj["detail"].get(s) == simdjson::SUCCESS);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static world w;
  auto& svc = *w.svc;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(svc.settings.header_limit));
  parser.body_limit(svc.settings.body_limit);
  boost::asio::const_buffer buf(data, size);
  boost::beast::error_code ec;
  while (buf.size() > 0 && !parser.is_done()) {
    auto n = parser.put(buf, ec);
    if (ec || n == 0) break;
    buf += n;
  }
  if (!ec && !parser.is_done() && parser.is_header_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the session answers 400/413/431 itself

  auto& req = parser.get();
  auto which = ingest::route_of(req.method(), req.target());
  if (auto early = ingest::check_header(req, svc)) {
    FUZZ_CHECK(early->status >= 400 && early->ops.empty());
    check_refusal_body(*early);
    if (which == ingest::route::other) return 0;
  }
  auto o = ingest::handle(req, svc, *w.reader);
  FUZZ_CHECK(o.which == which);
  if (o.status >= 400) {
    FUZZ_CHECK(o.ops.empty());
    check_refusal_body(o);
    return 0;
  }
  if (o.ops.empty()) return 0;
  // Accepted: every op valid, then the stream entries the session enqueues.
  FUZZ_CHECK(o.status == (o.which == ingest::route::otlp_traces ? 200u : 202u));
  FUZZ_CHECK(o.ops.size() <= svc.settings.max_runs_per_request);
  fuzz::check_ops(o.ops, req.body(), *o.decoded);
  std::deque<std::string> storage;
  auto entries = ingest::stream_entries(o.ops, req["x-tenant-id"], 1700000000000000, w.producer.shards(), storage);
  FUZZ_CHECK(!entries.empty());
  for (const auto& e : entries) FUZZ_CHECK(e.shard < w.producer.shards());
  return 0;
}

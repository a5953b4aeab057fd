#include "ingest/routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_out.hpp"
#include "common/text.hpp"
#include "ingest/api_keys.hpp"
#include "ingest/api_path.hpp"
#include "ingest/credentials.hpp"
#include "ingest/decompress.hpp"
#include "ingest/multipart.hpp"
#include "ingest/multipart_runs.hpp"
#include "ingest/otlp/export.hpp"

namespace tracepipe::ingest {
namespace {

bool needs_key(route r) {
  return r == route::post_run || r == route::patch_run || r == route::batch || r == route::multipart ||
         r == route::otlp_traces || r == route::langfuse_ingestion || is_read(r);
}

/// LangSmith's spellings (its Python SDK posts to a bare /otel; self-hosted
/// serves them under /api/v1 too, which api_path takes off), Langfuse's, and
/// the OTLP default an exporter given only this server's address posts to.
bool is_otlp_traces_path(std::string_view path) {
  return path == "/otel/v1/traces" || path == "/otel" || path == "/api/public/otel/v1/traces" ||
         path == "/v1/traces";
}

outcome answer(route which, unsigned status, std::string body) {
  outcome o;
  o.which = which;
  o.status = status;
  o.body = std::move(body);
  return o;
}

/// What the LangSmith SDKs read to set up batching (their defaults, but for
/// the body size this server takes).
std::string info_json(const config::ingest_settings& s) {
  auto size_limit_bytes = std::min<std::size_t>(s.body_limit, 20u << 20);
  boost::json::object info{{"version", "tracepipe-0.1.0"},
                           {"batch_ingest_config",
                            {{"use_multipart_endpoint", true},
                             {"size_limit", 100},
                             {"size_limit_bytes", size_limit_bytes},
                             {"scale_up_qsize_trigger", 1000},
                             {"scale_up_nthreads_limit", 16},
                             {"scale_down_nempty_trigger", 4}}},
                           {"instance_flags", {{"zstd_compression_enabled", true}, {"gzip_body_enabled", true}}}};
  return boost::json::serialize(info);
}

std::string_view media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

/// An OTLP export: its runs, and the answer (in the request's encoding) to
/// give once they are enqueued.
std::optional<rejection> read_otlp(request& req, std::string_view body, run_reader& reader, service& svc,
                                   outcome& o) {
  auto e = otlp::encoding_of(req[http::field::content_type]);
  if (!e) return rejection{415, "unsupported_media_type", "OTLP/HTTP takes application/x-protobuf or application/json"};
  // One JSON parser per ingest thread, as each thread has its own run_reader.
  thread_local simdjson::dom::parser json_parser;
  auto read = otlp::read_export(*e, body, {req["langsmith-project"], reader.limits().default_project}, json_parser);
  if (auto* r = std::get_if<rejection>(&read)) return *r;
  auto& runs = std::get<otlp::export_runs>(read);
  svc.metrics.count_otlp_spans(runs.ops.size(), runs.rejected, runs.parent_elsewhere);
  o.ops = std::move(runs.ops);
  o.status = 200;
  o.own_answer = true;
  o.body = otlp::answer_body(*e, runs);
  o.content_type = otlp::content_type_of(*e);
  return std::nullopt;
}

std::optional<rejection> read_runs(route which, request& req, std::string_view body, std::size_t max_parts,
                                   run_reader& reader, std::vector<run_op>& ops) {
  auto content_type = req[http::field::content_type];
  if (which == route::multipart) {
    auto boundary = multipart_boundary(content_type);
    if (auto* r = std::get_if<rejection>(&boundary)) return *r;
    std::vector<multipart_part> parts;
    if (auto r = parse_multipart(body, std::get<std::string>(boundary), max_parts, parts)) return r;
    return read_multipart_runs(parts, reader, ops);
  }
  if (!common::iequals(media_type(content_type), "application/json"))
    return rejection{415, "unsupported_media_type",
                     fmt::format("expected Content-Type application/json, got '{}'", content_type)};
  auto target = api_path(req.target());
  if (which == route::post_run) return reader.read_single_post(body, ops);
  if (which == route::patch_run) return reader.read_patch(body, target.substr(std::string_view("/runs/").size()), ops);
  return reader.read_batch(body, ops);
}

/// A read: parsed into the call the store answers, restricted to the
/// project a key is bound to.
outcome read_outcome(request& req, service& svc, outcome o) {
  const auto& s = svc.settings;
  auto decoded = decode_body(req[http::field::content_encoding], req.body(), s.decompressed_limit, *o.decoded);
  if (auto* r = std::get_if<rejection>(&decoded)) return refuse(o.which, *r);
  auto parsed = parse_read(req.method() == http::verb::post, req.target(), std::get<std::string_view>(decoded),
                           s.read_max_limit);
  if (auto* r = std::get_if<rejection>(&parsed)) return refuse(o.which, *r);
  read_call call{std::move(std::get<read_request>(parsed)), std::string(req["x-tenant-id"]), {}};
  if (!s.api_keys.empty()) {
    const auto* key = match_api_key(presented_key(req), s.api_keys);
    if (!key) return refuse(o.which, {401, "unauthorized", "missing or invalid x-api-key (or Basic credentials)"});
    call.project_only = key->project;
  }
  o.read = std::move(call);
  return o;
}

/// simdjson parsers are per thread, as the session's run readers.
langfuse::event_reader& event_reader_for(std::size_t json_depth) {
  thread_local std::map<std::size_t, std::unique_ptr<langfuse::event_reader>> readers;
  auto& r = readers[json_depth];
  if (!r) r = std::make_unique<langfuse::event_reader>(json_depth);
  return *r;
}

/// Langfuse's ingestion: every event judged on its own, the good ones to
/// enqueue in the project of the key (or the default one), the answer 207.
outcome langfuse_outcome(request& req, service& svc, outcome o) {
  const auto& s = svc.settings;
  auto content_type = req[http::field::content_type];
  if (!common::iequals(media_type(content_type), "application/json"))
    return refuse(o.which, {415, "unsupported_media_type",
                            fmt::format("expected Content-Type application/json, got '{}'", content_type)});
  auto decoded = decode_body(req[http::field::content_encoding], req.body(), s.decompressed_limit, *o.decoded);
  if (auto* r = std::get_if<rejection>(&decoded)) return refuse(o.which, *r);
  std::string project = s.default_project;
  if (!s.api_keys.empty()) {
    const auto* key = match_api_key(presented_key(req), s.api_keys);
    if (!key) return refuse(o.which, {401, "unauthorized", "missing or invalid x-api-key (or Basic credentials)"});
    if (!key->project.empty()) project = key->project;
  }
  langfuse::batch_result result;
  if (auto r = event_reader_for(s.json_depth).read(std::get<std::string_view>(decoded), result))
    return refuse(o.which, *r);
  for (auto& e : result.events) e.project = project;
  o.status = 207;
  o.own_answer = true;
  o.body = langfuse::answer_body(result);
  o.events = std::move(result.events);
  return o;
}

}  // namespace

std::size_t body_limit_of(route which, const config::ingest_settings& s) {
  return which == route::langfuse_ingestion ? s.langfuse_body_limit : s.body_limit;
}

route route_of(http::verb method, std::string_view target) {
  auto path = api_path(target);
  bool get = method == http::verb::get || method == http::verb::head;
  if (path == "/info") return get ? route::info : route::other;
  if (path == "/ok" || path == "/health" || path == "/livez") return get ? route::ok : route::other;
  if (path == "/ready" || path == "/readyz") return get ? route::ready : route::other;
  if (path == "/metrics") return get ? route::metrics : route::other;
  if (path == "/runs") return method == http::verb::post ? route::post_run : route::other;
  if (path == "/runs/batch") return method == http::verb::post ? route::batch : route::other;
  if (path == "/runs/multipart") return method == http::verb::post ? route::multipart : route::other;
  if (path == "/runs/query") return method == http::verb::post ? route::query_runs : route::other;
  if (is_otlp_traces_path(path)) return method == http::verb::post ? route::otlp_traces : route::other;
  if (path == "/sessions") return get ? route::sessions : route::other;
  if (path == "/api/public/ingestion") return method == http::verb::post ? route::langfuse_ingestion : route::other;
  if (path.substr(0, 6) == "/runs/" && path.find('/', 6) == std::string_view::npos)
    return method == http::verb::patch ? route::patch_run : get ? route::read_run : route::other;
  return route::other;
}

rejection reads_full(const config::ingest_settings& s) {
  return {429, "too_many_reads",
          fmt::format("{} reads are in progress (ingest.read_concurrency); retry later", s.read_concurrency)};
}

std::string rejection_body(const rejection& r) {
  // Details may quote client bytes: keep valid UTF-8, mark the rest.
  boost::json::object body{{"error", common::valid_utf8_or_marked(r.error)},
                           {"detail", common::valid_utf8_or_marked(r.detail)}};
  return boost::json::serialize(body);
}

outcome refuse(route which, const rejection& r) {
  auto o = answer(which, r.status, rejection_body(r));
  o.retry_after = r.status == 429 || r.status == 503;
  return o;
}

outcome refuse(const http::request_header<>& header, const rejection& r) {
  auto which = route_of(header.method(), header.target());
  if (which != route::otlp_traces) return refuse(which, r);
  // OTLP clients read a google.rpc.Status in the encoding they sent.
  auto e = otlp::encoding_of(header[http::field::content_type]).value_or(otlp::encoding::json);
  auto o = answer(which, r.status, otlp::status_body(e, r.status, fmt::format("{}: {}", r.error, r.detail)));
  o.content_type = otlp::content_type_of(e);
  o.retry_after = r.status == 429 || r.status == 503;
  return o;
}

std::uint64_t declared_body_bytes(const http::request_header<>& header, const config::ingest_settings& s) {
  auto length = header[http::field::content_length];
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
  return ec == std::errc{} ? std::min<std::uint64_t>(n, body_limit_of(route_of(header.method(), header.target()), s)) : 0;
}

std::optional<outcome> check_header(const http::request_header<>& header, service& svc) {
  auto which = route_of(header.method(), header.target());
  if (which == route::other) {
    bool known = route_of(http::verb::get, header.target()) != route::other ||
                 route_of(http::verb::post, header.target()) != route::other ||
                 route_of(http::verb::patch, header.target()) != route::other;
    return known ? refuse(which, {405, "method_not_allowed",
                                  fmt::format("{} is not allowed on {}", header.method_string(), header.target())})
                 : refuse(which, {404, "not_found", fmt::format("no route for {}", header.target())});
  }
  if (!needs_key(which)) return std::nullopt;
  const auto& s = svc.settings;
  if (!s.api_keys.empty() && !match_api_key(presented_key(header), s.api_keys))
    return refuse(header, {401, "unauthorized", "missing or invalid x-api-key (or Basic credentials)"});
  if (which == route::otlp_traces && !otlp::encoding_of(header[http::field::content_type]))
    return refuse(header, {415, "unsupported_media_type",
                           fmt::format("OTLP/HTTP takes Content-Type application/x-protobuf or application/json, got "
                                       "'{}'",
                                       header[http::field::content_type])});
  // Over the route's own limit but under ingest.body_limit, which the parser
  // already holds the Content-Length to; a chunked body meets the route's
  // limit in the parser (the session sets it after this check).
  if (auto length = header[http::field::content_length]; which == route::langfuse_ingestion && !length.empty()) {
    std::uint64_t n = 0;
    std::from_chars(length.data(), length.data() + length.size(), n);
    if (n > s.langfuse_body_limit)
      return refuse(header, {413, "body_too_large", fmt::format("the body exceeds {} bytes", s.langfuse_body_limit)});
  }
  if (is_read(which)) {
    if (!svc.reads)
      return refuse(header, {503, "reads_unavailable", "this ingest serves no reads (it was started without ClickHouse)"});
    if (svc.reads_in_flight.load() >= s.read_concurrency) return refuse(header, reads_full(s));
    return std::nullopt;
  }
  if (!svc.redis_ready())
    return refuse(header, {503, "queue_unavailable", "Redis is not reachable; retry later"});
  auto depth = svc.depth.depth();
  if (depth >= s.queue_high_watermark)
    return refuse(header, {429, "queue_full",
                          fmt::format("the queue holds {} entries (high watermark {}); retry later", depth,
                                      s.queue_high_watermark)});
  auto inflight = svc.inflight_bytes.load();
  auto wanted = declared_body_bytes(header, s);
  if (inflight > 0 && inflight + wanted > s.inflight_high_watermark)
    return refuse(header, {429, "too_much_inflight",
                          fmt::format("requests in progress hold {} bytes and this one may need {} (high watermark "
                                      "{}); retry later",
                                      inflight, wanted, s.inflight_high_watermark)});
  return std::nullopt;
}

outcome handle(request& req, service& svc, run_reader& reader) {
  auto which = route_of(req.method(), req.target());
  const auto& s = svc.settings;
  switch (which) {
    case route::info: return answer(which, 200, info_json(s));
    case route::ok: return answer(which, 200, R"({"status":"ok"})");
    case route::ready:
      return svc.redis_ready() ? answer(which, 200, R"({"status":"ready"})")
                               : refuse(which, {503, "queue_unavailable", "Redis is not reachable"});
    case route::metrics: {
      auto o = answer(which, 200, svc.metrics.render(svc.depth.depth(), svc.inflight_bytes.load(),
                                                     svc.connections.load(), svc.redis_ready()));
      if (svc.extra_metrics) o.body += svc.extra_metrics();
      o.content_type = "text/plain; version=0.0.4";
      return o;
    }
    default: break;
  }
  outcome o;
  o.which = which;
  if (is_read(which)) return read_outcome(req, svc, std::move(o));
  if (which == route::langfuse_ingestion) return langfuse_outcome(req, svc, std::move(o));
  auto decoded = decode_body(req[http::field::content_encoding], req.body(), s.decompressed_limit, *o.decoded);
  if (auto* r = std::get_if<rejection>(&decoded)) return refuse(req, *r);
  auto body = std::get<std::string_view>(decoded);
  auto problem = which == route::otlp_traces ? read_otlp(req, body, reader, svc, o)
                                             : read_runs(which, req, body, s.max_parts, reader, o.ops);
  if (problem) {
    o.ops.clear();
    return refuse(req, *problem);
  }
  if (o.ops.size() > s.max_runs_per_request)
    return refuse(req, {413, "too_many_runs", fmt::format("more than {} runs in one request", s.max_runs_per_request)});
  // The header check let the key in; matched again here (one hash) to know
  // its project, rather than carry it through the session.
  if (!s.api_keys.empty()) {
    const auto* key = match_api_key(presented_key(req), s.api_keys);
    if (!key) return refuse(req, {401, "unauthorized", "missing or invalid x-api-key (or Basic credentials)"});
    if (auto r = bind_project(*key, o.ops)) {
      o.ops.clear();
      return refuse(req, *r);
    }
  }
  if (!o.own_answer) o.status = 202;
  return o;
}

}  // namespace tracepipe::ingest

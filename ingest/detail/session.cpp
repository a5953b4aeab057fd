#include "ingest/detail/session.hpp"

#include <algorithm>
#include <map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "config/failpoint.hpp"
#include "ingest/s3_first.hpp"
#include "ingest/stream_fields.hpp"
#include "queue/wall_clock.hpp"

namespace tracepipe::ingest::detail {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

/// simdjson parsers are per thread; limits come from the service.
run_reader& reader_for(const service& svc) {
  thread_local std::map<const service*, std::unique_ptr<run_reader>> readers;
  auto& r = readers[&svc];
  if (!r)
    r = std::make_unique<run_reader>(reader_limits{svc.settings.json_depth, svc.settings.max_runs_per_request,
                                                   svc.settings.default_project});
  return *r;
}

}  // namespace

session::session(asio::ip::tcp::socket&& socket, std::shared_ptr<service> svc)
    : stream_(std::move(socket)), owner_(std::move(svc)), svc_(*owner_) {
  ++svc_.connections;
}

session::~session() {
  finish_request();
  --svc_.connections;
}

void session::run() {
  asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read_header, shared_from_this()));
}

void session::do_read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(svc_.settings.header_limit));
  body_limit_ = svc_.settings.body_limit;
  parser_->body_limit(body_limit_);
  // Deadlines that bytes trickling in never extend: a fresh connection has
  // read_timeout from its accept for its whole first request, headers and
  // body; a kept-alive one idle_timeout for its next request to begin, then
  // read_timeout from that request's first bytes for all of it.
  if (first_request_ || buffer_.size() != 0) {  // a fresh connection, or the next request already read
    first_request_ = false;
    return read_request();
  }
  stream_.expires_after(svc_.settings.idle_timeout);
  auto room = std::max<std::size_t>(buffer_.capacity() - buffer_.size(), 4096);
  stream_.async_read_some(buffer_.prepare(room), beast::bind_front_handler(&session::on_idle_read, shared_from_this()));
}

void session::on_idle_read(beast::error_code ec, std::size_t n) {
  buffer_.commit(n);
  if (ec) return close();  // closed, idle too long, or a socket error: no request, nobody to answer
  read_request();
}

void session::read_request() {
  stream_.expires_after(svc_.settings.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_read_header, shared_from_this()));
}

void session::on_read_header(beast::error_code ec, std::size_t) {
  if (ec == beast::error::timeout) svc_.metrics.count_drop(drop_reason::read_timeout);
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted)
    return close();
  in_request_ = true;
  ++svc_.requests_in_progress;
  if (ec == http::error::header_limit)
    return respond(refuse(route::other, {431, "header_too_large",
                                         fmt::format("request headers exceed {} bytes", svc_.settings.header_limit)}),
                   false);
  if (ec == http::error::body_limit)
    return respond(refuse(parser_->get(), {413, "body_too_large",
                                           fmt::format("the body exceeds {} bytes", body_limit_)}),
                   false);
  if (ec) {
    if (ec.category() != beast::error_code(http::error::end_of_stream).category()) return close();  // socket errors: nobody to tell
    return respond(refuse(route::other, {400, "bad_request", ec.message()}), false);
  }
  auto& header = parser_->get();
  if (auto early = check_header(header, svc_)) {
    // The body was not read, so the connection cannot be reused unless there is none.
    bool no_body = !parser_->chunked() && parser_->content_length().value_or(0) == 0;
    return respond(std::move(*early), no_body && header.keep_alive());
  }
  body_limit_ = body_limit_of(route_of(header.method(), header.target()), svc_.settings);
  parser_->body_limit(body_limit_);  // a route's own limit, for a chunked body
  if (beast::iequals(header[http::field::expect], "100-continue")) {
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    return http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->do_read_body();
    });
  }
  do_read_body();
}

void session::do_read_body() {
  // No new deadline: the request's read_timeout, set before its headers, covers its body too.
  // Beast reads at most the buffer's spare capacity per call: without room,
  // a 100 KB body arrives in ~200 reads of 512 bytes.
  auto expected = parser_->content_length().value_or(64 * 1024);
  buffer_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(expected, 64 * 1024)));
  read_body_some();
}

void session::read_body_some() {
  // A request without a body is complete with its header; a read now would wait for the next request.
  if (parser_->is_done()) return process();
  http::async_read_some(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&session::on_read_body_some, shared_from_this()));
}

// The body is read a chunk at a time so that in-flight bytes are the bytes
// received: a client declaring a large body (or trickling one) holds back
// only what it has sent, and when requests in progress together pass the
// watermark, this one is refused mid-body rather than buffered further.
void session::on_read_body_some(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit)
    return respond(refuse(parser_->get(), {413, "body_too_large",
                                           fmt::format("the body exceeds {} bytes", body_limit_)}),
                   false);
  if (ec == beast::error::timeout) svc_.metrics.count_drop(drop_reason::read_timeout);
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return close();
  if (ec && ec != http::error::need_more) {
    if (ec.category() != beast::error_code(http::error::end_of_stream).category()) return close();
    return respond(refuse(route::other, {400, "bad_request", ec.message()}), false);
  }
  hold(parser_->get().body().size());
  auto inflight = svc_.inflight_bytes.load();
  if (!parser_->is_done() && inflight > svc_.settings.inflight_high_watermark && inflight > reserved_bytes_)
    return respond(refuse(parser_->get(),
                          {429, "too_much_inflight",
                           fmt::format("requests in progress hold {} bytes (high watermark {}); retry later", inflight,
                                       svc_.settings.inflight_high_watermark)}),
                   false);
  read_body_some();
}

void session::hold(std::uint64_t bytes) {
  if (bytes <= reserved_bytes_) return;
  svc_.inflight_bytes += bytes - reserved_bytes_;
  reserved_bytes_ = bytes;
}

void session::process() {
  auto& req = parser_->get();
  auto received_at = queue::wall_clock_us();
  auto o = handle(req, svc_, reader_for(svc_));
  // A decompressed body is held too until the answer is written.
  hold(reserved_bytes_ + o.decoded->size());
  if (o.read) return ask_store(std::move(o), req.keep_alive());
  if (o.ops.empty() && o.events.empty()) return respond(std::move(o), req.keep_alive());
  pending_ = std::move(o);
  entries_ = pending_.events.empty()
                 ? stream_entries(pending_.ops, req["x-tenant-id"], received_at, svc_.producer.shards(), entry_storage_)
                 : stream_entries(pending_.events, req["x-tenant-id"], received_at, svc_.producer.shards(),
                                  entry_storage_);
  if (svc_.store_first) return store_entries();
  enqueue();
}

void session::store_entries() {
  auto stored = store_first(entries_, svc_.s3_prefix, random_uuid, entry_storage_);
  entries_ = std::move(stored.references);
  stored_objects_ = stored.objects.size();
  stored_bytes_ = 0;
  for (const auto& o : stored.objects) stored_bytes_ += o.body.size();
  hold(reserved_bytes_ + stored_bytes_);  // the objects are in memory too until S3 has them
  svc_.store_first->put(std::move(stored.objects), [self = shared_from_this(), started = clock::now()](std::string error) {
    asio::post(self->stream_.get_executor(),
               [self, started, error = std::move(error)] { self->on_stored(error, started); });
  });
}

void session::on_stored(const std::string& error, clock::time_point started) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started).count();
  svc_.metrics.store_latency().observe(static_cast<std::uint64_t>(elapsed));
  svc_.metrics.count_stored(error.empty(), stored_objects_, stored_bytes_);
  if (!error.empty()) {
    // As Langfuse: no fallback to Redis; the client retries the whole request.
    return respond(refuse(parser_->get(), {503, "storage_unavailable",
                                           fmt::format("the request could not be stored in S3 ({}); nothing was "
                                                       "enqueued; retry later",
                                                       error)}),
                   parser_->get().keep_alive());
  }
  enqueue();
}

void session::enqueue() {
  enqueue_start_ = clock::now();
  // The producer answers on the Redis strand; come back to ours.
  svc_.producer.enqueue(entries_, [self = shared_from_this()](boost::system::error_code ec, std::string detail) {
    asio::post(self->stream_.get_executor(),
               [self, ec, detail = std::move(detail)] { self->on_enqueued(ec, detail); });
  });
}

void session::on_enqueued(boost::system::error_code ec, const std::string& detail) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - enqueue_start_).count();
  svc_.metrics.enqueue_latency().observe(static_cast<std::uint64_t>(elapsed));
  auto keep_alive = parser_->get().keep_alive();
  if (ec) {
    auto why = detail.empty() ? ec.message() : detail;
    return respond(refuse(parser_->get(), {503, "queue_unavailable",
                                           fmt::format("the runs could not be enqueued: {}; retry later", why)}),
                   keep_alive);
  }
  // Enqueued, not yet acknowledged: a client that retries makes duplicates.
  config::failpoint("ingest.before_reply");
  std::uint64_t bytes = 0;
  for (const auto& op : pending_.ops) bytes += op.bytes();
  for (const auto& e : pending_.events) bytes += e.json.size();
  svc_.metrics.count_enqueued(entries_.size(), bytes);
  outcome ok;
  ok.which = pending_.which;
  ok.status = pending_.status;
  ok.content_type = pending_.content_type;
  ok.body = pending_.own_answer ? pending_.body : fmt::format(R"({{"accepted":{}}})", pending_.ops.size());
  respond(std::move(ok), keep_alive);
}

void session::ask_store(outcome o, bool keep_alive) {
  // The header check saw room, but other sessions may have passed it meanwhile.
  if (svc_.reads_in_flight.fetch_add(1) >= svc_.settings.read_concurrency) {
    --svc_.reads_in_flight;
    return respond(refuse(o.which, reads_full(svc_.settings)), keep_alive);
  }
  auto which = o.which;
  svc_.reads->read(std::move(*o.read), [self = shared_from_this(), which, keep_alive](read_reply r) {
    asio::post(self->stream_.get_executor(), [self, which, keep_alive, r = std::move(r)]() mutable {
      --self->svc_.reads_in_flight;
      outcome answer;
      answer.which = which;
      answer.status = r.status;
      answer.body = std::move(r.body);
      answer.retry_after = r.status == 429 || r.status == 503;
      self->respond(std::move(answer), keep_alive);
    });
  });
}

void session::respond(outcome o, bool keep_alive) {
  svc_.metrics.count_request(o.which, o.status);
  auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(o.status), 11);
  res->set(http::field::server, "tracepipe");
  res->set(http::field::content_type, o.content_type);
  if (o.retry_after) res->set(http::field::retry_after, std::to_string(svc_.settings.retry_after_s));
  res->keep_alive(keep_alive);
  res->body() = std::move(o.body);
  res->prepare_payload();
  response_ = res;
  stream_.expires_after(svc_.settings.read_timeout);
  http::async_write(stream_, *res, beast::bind_front_handler(&session::on_write, shared_from_this(), keep_alive));
}

void session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  finish_request();
  if (ec || !keep_alive) return close();
  do_read_header();
}

void session::finish_request() {
  svc_.inflight_bytes -= reserved_bytes_;
  reserved_bytes_ = 0;
  if (in_request_) --svc_.requests_in_progress;
  in_request_ = false;
  pending_ = outcome{};
  entries_.clear();
  entry_storage_.clear();
  response_.reset();
}

void session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

}  // namespace tracepipe::ingest::detail

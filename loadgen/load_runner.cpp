#include "loadgen/load_runner.hpp"

#include <cmath>
#include <deque>
#include <memory>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "loadgen/common_start.hpp"
#include "loadgen/detail/second_rows.hpp"
#include "loadgen/request_exchange.hpp"
#include "loadgen/target_url.hpp"

namespace tracepipe::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

/// A request waiting for a connection (or for its Retry-After).
struct pending {
  std::uint64_t k = 0;       ///< scheduled request
  std::uint8_t part = 0;     ///< which HTTP request of it (single: post, patch)
  std::uint8_t attempt = 0;
  bool written = false;      ///< sent at least once (a failed connect is an attempt, not a send)
  clock_type::time_point intended;
};

class driver {
 public:
  explicit driver(const load_options& o)
      : o_(o),
        plan_(o.body),
        pace_timer_(ioc_),
        tick_timer_(ioc_),
        drain_timer_(ioc_),
        url_(split_url(o.target)) {
    rpr_ = plan_.options().runs_per_request;
    auto req_stages = o.stages;
    for (auto& s : req_stages) s.target /= rpr_;
    std::string why;
    auto sched = schedule::from_stages(req_stages, &why);
    if (!sched) throw std::runtime_error("schedule: " + why);
    schedule_ = sched->striped(o.segment);
    if (o.connections < 1) throw std::runtime_error("connections must be ≥ 1");
    closed_ = o.concurrency > 0;
    headers_ = headers_for(url_, o.body.protocol, o.api_key, o.compression);
  }

  load_result run() {
    endpoints_ = resolve_target(ioc_, url_, o_.target);
    for (int i = 0; i < (closed_ ? o_.concurrency : o_.connections); ++i) conns_.push_back(std::make_unique<conn>(ioc_));
    for (auto it = conns_.rbegin(); it != conns_.rend(); ++it) idle_.push_back(it->get());
    auto start = wait_for_start(o_.start_at, o_.stop, o_.progress != progress_mode::none ? o_.progress_out : nullptr,
                                o_.segment.text());
    start_ = start.steady;
    pacer_.emplace(schedule_, start_);
    window_end_ = start_ + schedule_.total();
    describe_load(r_, o_, plan_.options(), schedule_, closed_);
    r_.start_wall_us = start.wall_us;
    if (o_.watch) o_.watch->begin(start_);
    if (o_.on_start) o_.on_start(start_);
    if (closed_) start_closed_loop();
    else on_pace({});
    tick_at(1);
    ioc_.run();
    r_.elapsed_s = std::chrono::duration<double>(clock_type::now() - start_).count();
    r_.achieved_rate = r_.duration_s > 0 ? static_cast<double>(runs_in_window_) / r_.duration_s : 0;
    r_.acknowledged = {{plan_.id_key(), acknowledged_operations(plan_, r_.accepted_requests), plan_.run_id_form()}};
    progress_.finish();
    return std::move(r_);
  }

 private:
  struct conn {
    explicit conn(asio::io_context& ioc) : stream(ioc) {}
    beast::tcp_stream stream;
    bool connected = false;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    http::request<http::string_body> req;
    std::vector<prepared_request> scratch;
    std::string compressed;  ///< swapped with the stamped body: both keep their capacity
    pending job;
    int runs = 0, operations = 0;
    clock_type::time_point sent_at;
  };

  // --- the schedule -------------------------------------------------------

  void on_pace(beast::error_code ec) {
    if (ec == asio::error::operation_aborted || schedule_over_) return;
    if (o_.stop && o_.stop->load()) return end_schedule();
    auto now = clock_type::now();
    auto due = pacer_->take_due(now);
    for (auto n = due.first; n < due.first + due.count; ++n) offer(n, pacer_->intended_time(n));
    dispatch();
    if (pacer_->done()) return end_schedule();
    pace_timer_.expires_at(*pacer_->next_due());
    pace_timer_.async_wait([this](beast::error_code e) { on_pace(e); });
  }

  /// Request n is due at `intended`: each of its HTTP requests waits for a connection.
  void offer(std::uint64_t n, clock_type::time_point intended) {
    ++r_.offered;
    r_.runs_offered += rpr_;
    seconds_.now().offered_runs += rpr_;
    int parts = plan_.parts(n);
    for (int p = 0; p < parts; ++p) enqueue({n, static_cast<std::uint8_t>(p), 0, false, intended});
  }

  /// Closed loop (--concurrency): no schedule; every connection is kept busy,
  /// a new request made the moment one is free, until the duration ends.
  void start_closed_loop() {
    pace_timer_.expires_at(window_end_);
    pace_timer_.async_wait([this](beast::error_code e) {
      if (!e) end_schedule();
    });
    keep_connections_busy();
  }

  void keep_connections_busy() {
    if (o_.stop && o_.stop->load()) return end_schedule();
    auto now = clock_type::now();
    while (closed_ && !schedule_over_ && queue_.empty() && idle_.size() > 0 && now < window_end_) {
      offer(next_closed_++, now);
      dispatch();
    }
  }

  void enqueue(const pending& p) {
    if (queue_.size() >= o_.max_queue) {
      ++r_.dropped;
      return;
    }
    queue_.push_back(p);
  }

  void end_schedule() {
    if (schedule_over_) return;
    schedule_over_ = true;
    pace_timer_.cancel();
    drain_timer_.expires_after(o_.drain_timeout);
    drain_timer_.async_wait([this](beast::error_code e) {
      if (!e) abandon();
    });
    maybe_finish();
  }

  /// The drain timeout passed: what is still queued or waiting to retry is
  /// dropped, what is in flight is counted as an error (no answer).
  void abandon() {
    abandoned_ = true;
    r_.dropped += queue_.size() + retries_waiting_ + in_flight_;
    r_.errors += in_flight_;  // written, never answered
    queue_.clear();
    for (auto& t : retry_timers_) t->cancel();
    for (auto& c : conns_) {
      beast::error_code ignore;
      c->stream.socket().close(ignore);
    }
    final_row();
    ioc_.stop();
  }

  void maybe_finish() {
    if (!finished_ && schedule_over_ && queue_.empty() && in_flight_ == 0 && retries_waiting_ == 0) {
      finished_ = true;
      drain_timer_.cancel();
      tick_timer_.cancel();
      final_row();
    }
  }

  // --- connections --------------------------------------------------------

  void dispatch() {
    while (!queue_.empty() && !idle_.empty()) {
      conn* c = idle_.back();
      idle_.pop_back();
      c->job = queue_.front();
      queue_.pop_front();
      ++in_flight_;
      if (c->connected) send(c);
      else connect(c);
    }
  }

  void connect(conn* c) {
    c->stream.expires_after(o_.request_timeout);
    c->stream.async_connect(endpoints_, [this, c](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return failed(c, false);
      c->stream.socket().set_option(tcp::no_delay(true));
      c->connected = true;
      send(c);
    });
  }

  void send(conn* c) {
    plan_.build(c->job.k, c->scratch);
    auto& pr = c->scratch[c->job.part];
    c->runs = pr.runs;
    c->operations = pr.operations;
    if (!write_request(c->req, pr, headers_, c->compressed)) return failed(c, false, false);
    c->sent_at = clock_type::now();
    ++r_.sent;
    ++seconds_.now().sent;
    if (!c->job.written) {
      c->job.written = true;
      r_.runs_sent += c->runs;
      r_.operations_sent += c->operations;
      seconds_.now().sent_runs += c->runs;
      if (c->sent_at < window_end_) runs_in_window_ += c->runs;
    }
    if (c->job.attempt > 0) ++r_.retries;
    c->stream.expires_after(o_.request_timeout);
    http::async_write(c->stream, c->req, [this, c](beast::error_code ec, std::size_t) {
      c->scratch[c->job.part].body = std::move(c->req.body());  // keep the capacity for the next request
      if (ec) return failed(c, true);
      c->parser.emplace();
      c->parser->body_limit(1 << 20);
      http::async_read(c->stream, c->buffer, *c->parser, [this, c](beast::error_code e, std::size_t) {
        if (e) return failed(c, true);
        on_response(c);
      });
    });
  }

  /// Transport failure: the request gets no answer (an error if it was
  /// written). It is sent again after a backoff when errors are retried (it
  /// may have landed: the server's duplicates are what a fault test counts),
  /// else dropped; the connection reconnects on next use.
  void failed(conn* c, bool was_sent, bool retryable = true) {
    --in_flight_;
    if (abandoned_) return;
    if (was_sent) {
      ++r_.errors;
      ++seconds_.now().errors;
    }
    if (retryable && o_.retry_errors && c->job.attempt < o_.max_retries)
      retry_later(c->job, std::min(8.0, 0.25 * static_cast<double>(1 << c->job.attempt)));
    else
      ++r_.dropped;
    beast::error_code ignore;
    c->stream.socket().close(ignore);
    c->connected = false;
    c->buffer.clear();
    release(c);
  }

  void on_response(conn* c) {
    --in_flight_;
    auto now = clock_type::now();
    auto& res = c->parser->get();
    auto corrected = std::chrono::duration_cast<std::chrono::microseconds>(now - c->job.intended).count();
    auto uncorrected = std::chrono::duration_cast<std::chrono::microseconds>(now - c->sent_at).count();
    r_.corrected.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, corrected)));
    r_.uncorrected.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, uncorrected)));
    seconds_.record_latency(static_cast<std::uint64_t>(std::max<std::int64_t>(0, corrected)));
    unsigned status = res.result_int();
    if (answer_accepts(o_.body.protocol, status, res.body())) {
      ++r_.accepted;
      ++seconds_.now().accepted;
      r_.runs_accepted += c->runs;
      seconds_.now().accepted_runs += c->runs;
      r_.operations_accepted += c->operations;
      r_.accepted_requests.push_back({c->job.k, c->job.part});
      if (o_.watch && c->runs > 0 && o_.watch->wants_probe(now))
        o_.watch->probe(plan_.first_post_id(c->job.k, c->job.part), c->sent_at);
      if (o_.reads_of && c->runs > 0)
        o_.reads_of->add(plan_.first_post_id(c->job.k, c->job.part), plan_.first_post_trace_id(c->job.k, c->job.part));
    } else {
      ++r_.rejected[status];
      if (status == 429) ++seconds_.now().rejected_429;
      else if (status >= 500) ++seconds_.now().rejected_5xx;
      else ++seconds_.now().rejected_other;
      if ((status == 429 || status == 503) && o_.retry && c->job.attempt < o_.max_retries)
        retry_later(c->job, parse_retry_after(res[http::field::retry_after], o_.default_retry_after_s));
      else
        ++r_.dropped;
    }
    if (!res.keep_alive()) {
      beast::error_code ignore;
      c->stream.socket().close(ignore);
      c->connected = false;
      c->buffer.clear();
    }
    release(c);
  }

  /// As the JS SDK: wait (Retry-After, or the error backoff), then resend, up to max_retries times.
  /// The intended time stays the first one: the wait counts in corrected latency.
  void retry_later(pending job, double seconds) {
    ++job.attempt;
    ++retries_waiting_;
    auto timer = std::make_shared<asio::steady_timer>(ioc_);
    retry_timers_.push_back(timer);
    timer->expires_after(std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds)));
    timer->async_wait([this, job, timer](beast::error_code ec) {
      std::erase(retry_timers_, timer);
      if (ec) return;
      --retries_waiting_;
      enqueue(job);
      dispatch();
      maybe_finish();
    });
  }

  void release(conn* c) {
    idle_.push_back(c);
    dispatch();
    if (closed_) keep_connections_busy();
    maybe_finish();
  }

  // --- per second ---------------------------------------------------------

  void tick_at(std::uint64_t second) {
    tick_timer_.expires_at(start_ + std::chrono::seconds(second));
    tick_timer_.async_wait([this, second](beast::error_code ec) {
      // A tick already due when cancel() ran still arrives without an error:
      // without the flag it would re-arm the timer forever and run() never return.
      if (ec || finished_) return;
      if (o_.stop && o_.stop->load()) end_schedule();
      close_row(second);
      tick_at(second + 1);
    });
  }

  void close_row(std::uint64_t second) {
    seconds_.close(second, r_.timeseries);
    print_progress(second);
  }

  void final_row() {
    auto elapsed = std::chrono::duration<double>(clock_type::now() - start_).count();
    if (seconds_.active()) close_row(static_cast<std::uint64_t>(std::ceil(elapsed)));
  }

  void print_progress(std::uint64_t second) {
    double target = closed_ ? 0 : schedule_.rate_at(std::chrono::seconds(second) - std::chrono::milliseconds(500)) * rpr_;
    progress_.second(second, target, r_, o_.watch ? o_.watch->queue_depth() : std::nullopt,
                     o_.watch ? o_.watch->lag_p99_ms() : std::nullopt);
  }

  const load_options& o_;
  request_plan plan_;
  int rpr_ = 1;
  asio::io_context ioc_{1};
  asio::steady_timer pace_timer_, tick_timer_, drain_timer_;
  url_parts url_;
  request_headers headers_;
  std::vector<tcp::endpoint> endpoints_;
  schedule schedule_;
  std::optional<pacer> pacer_;
  clock_type::time_point start_, window_end_;
  std::vector<std::unique_ptr<conn>> conns_;
  std::vector<conn*> idle_;
  std::deque<pending> queue_;
  std::vector<std::shared_ptr<asio::steady_timer>> retry_timers_;
  std::size_t in_flight_ = 0, retries_waiting_ = 0;
  std::uint64_t runs_in_window_ = 0;
  bool closed_ = false;
  std::uint64_t next_closed_ = 0;  ///< closed loop: the next request to make
  bool schedule_over_ = false, abandoned_ = false, finished_ = false;
  progress_printer progress_{o_.progress, o_.progress_out};
  load_result r_;
  detail::second_rows seconds_;
};

}  // namespace

load_result run_load(const load_options& options) { return driver(options).run(); }

}  // namespace tracepipe::loadgen

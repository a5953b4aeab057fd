#include "queue/redis_connection.hpp"

#include <iostream>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "queue/detail/asio_watch.hpp"
#include "queue/resp.hpp"

namespace tracepipe::queue {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct redis_connection::pending {
  std::shared_ptr<redis_connection> owner;
  reply_handler handler;
};

redis_connection::redis_connection(asio::any_io_executor ex, common::redis_endpoint endpoint,
                                   connection_options options)
    : strand_(asio::make_strand(ex)),
      endpoint_(std::move(endpoint)),
      options_(options),
      next_delay_(options.reconnect_delay),
      reconnect_timer_(strand_),
      timeout_timer_(strand_) {}

redis_connection::~redis_connection() = default;

void redis_connection::start() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->connect();
    self->watch_timeouts();
  });
}

void redis_connection::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->reconnect_timer_.cancel();
    self->timeout_timer_.cancel();
    if (self->ctx_) redisAsyncFree(self->ctx_);  // handlers get connection_lost
  });
}

void redis_connection::connect() {
  if (stopped_ || ctx_) return;
  redisAsyncContext* ctx = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
  if (!ctx || ctx->err) {
    report_down(ctx ? ctx->errstr : "out of memory");
    if (ctx) redisAsyncFree(ctx);
    schedule_reconnect();
    return;
  }
  ctx_ = ctx;
  ctx->data = this;
  detail::asio_watch::attach(strand_, ctx);
  redisAsyncSetConnectCallback(ctx, &on_connect);
  redisAsyncSetDisconnectCallback(ctx, &on_disconnect);
}

void redis_connection::on_connect(const redisAsyncContext* ctx, int status) {
  auto* self = static_cast<redis_connection*>(ctx->data);
  if (status != REDIS_OK) {
    self->report_down(ctx->errstr);
    // hiredis frees the context after this callback returns.
    self->ctx_ = nullptr;
    self->schedule_reconnect();
    return;
  }
  self->login();
}

void redis_connection::login() {
  auto finish = [self = shared_from_this()](boost::system::error_code ec, const redisReply* r) {
    if (ec) return;  // the disconnect path already reschedules
    if (r->type == REDIS_REPLY_ERROR) self->lost_later("login refused: " + std::string(r->str, r->len));
  };
  if (!endpoint_.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
    auth.push_back(endpoint_.password);
    issue(auth, finish);
  }
  std::string db = std::to_string(endpoint_.db);
  if (endpoint_.db != 0) issue({"SELECT", db}, finish);
  // PING last: when it answers, everything before it has answered too.
  issue({"PING"}, [self = shared_from_this()](boost::system::error_code ec, const redisReply* r) {
    if (ec || !self->ctx_) return;
    if (r->type == REDIS_REPLY_ERROR) {
      // LOADING while a restarted Redis reads its AOF, or a login refusal:
      // drop this connection and try again with backoff.
      self->lost_later(std::string(r->str, r->len));
      return;
    }
    self->next_delay_ = self->options_.reconnect_delay;
    self->ready_ = true;
    self->down_reported_ = false;
    std::cerr << "tracepipe: connected to Redis at " << self->endpoint_.display() << "\n";
  });
}

void redis_connection::on_disconnect(const redisAsyncContext* ctx, int status) {
  auto* self = static_cast<redis_connection*>(ctx->data);
  if (self->ctx_ != ctx) return;  // lost() freed it and already rescheduled
  self->report_down(ctx->err ? ctx->errstr : "the server closed the connection");
  self->ctx_ = nullptr;
  self->ready_ = false;
  self->outstanding_ = 0;
  self->schedule_reconnect();
}

void redis_connection::lost(const char* why) {
  if (!ctx_) return;
  report_down(why);
  ready_ = false;
  auto* ctx = ctx_;
  ctx_ = nullptr;
  outstanding_ = 0;
  // Free, not disconnect: a disconnect would wait for replies that may never
  // come. Outstanding handlers are called now with an error.
  redisAsyncFree(ctx);
  schedule_reconnect();
}

void redis_connection::lost_later(std::string why) {
  // Not from inside a hiredis callback: free the context from a fresh handler.
  asio::post(strand_, [self = shared_from_this(), why = std::move(why)] { self->lost(why.c_str()); });
}

void redis_connection::report_down(const char* why) {
  // Once per outage, not once per reconnect attempt.
  if (down_reported_ || stopped_) return;
  down_reported_ = true;
  std::cerr << "tracepipe: Redis at " << endpoint_.display() << " unavailable (" << why
            << "); requests get 503 while reconnecting\n";
}

void redis_connection::schedule_reconnect() {
  if (stopped_) return;
  reconnect_timer_.expires_after(next_delay_);
  next_delay_ = std::min(next_delay_ * 2, options_.max_reconnect_delay);
  reconnect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->connect();
  });
}

void redis_connection::watch_timeouts() {
  if (stopped_) return;
  timeout_timer_.expires_after(options_.command_timeout / 4);
  timeout_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (self->outstanding_ > 0 && clock::now() - self->last_progress_ > self->options_.command_timeout) {
      self->timed_out_ = true;
      self->lost("command timeout");
      self->timed_out_ = false;
    }
    self->watch_timeouts();
  });
}

void redis_connection::command(std::vector<std::string_view> argv, reply_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), argv = std::move(argv), handler = std::move(handler)]() mutable {
    if (!self->ready_) {
      asio::post(self->strand_, [handler = std::move(handler)] { handler(error::not_connected, nullptr); });
      return;
    }
    self->issue(argv, std::move(handler));
  });
}

void redis_connection::issue(const std::vector<std::string_view>& argv, reply_handler handler) {
  command_text_.clear();
  append_resp_command(command_text_, argv);
  auto* p = new pending{shared_from_this(), std::move(handler)};
  if (!ctx_ || redisAsyncFormattedCommand(ctx_, &on_reply, p, command_text_.data(), command_text_.size()) != REDIS_OK) {
    asio::post(strand_, [p] {
      p->handler(error::not_connected, nullptr);
      delete p;
    });
    return;
  }
  if (outstanding_++ == 0) last_progress_ = clock::now();
}

void redis_connection::on_reply(redisAsyncContext* ctx, void* reply, void* privdata) {
  std::unique_ptr<pending> p(static_cast<pending*>(privdata));
  auto& self = *p->owner;
  if (self.outstanding_ > 0) --self.outstanding_;
  self.last_progress_ = clock::now();
  if (!reply) {
    p->handler(self.timed_out_ ? error::timeout : error::connection_lost, nullptr);
    return;
  }
  p->handler({}, static_cast<const redisReply*>(reply));
}

}  // namespace tracepipe::queue

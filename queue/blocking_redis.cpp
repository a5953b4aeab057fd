#include "queue/blocking_redis.hpp"

#include <hiredis/hiredis.h>

#include <vector>

namespace tracepipe::queue {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

/// hiredis wants parallel arrays of pointers and lengths.
struct argv_arrays {
  explicit argv_arrays(std::span<const std::string_view> argv) {
    for (auto a : argv) {
      data.push_back(a.data());
      sizes.push_back(a.size());
    }
  }
  int count() const { return static_cast<int>(data.size()); }
  std::vector<const char*> data;
  std::vector<std::size_t> sizes;
};

bool accepted(const owned_reply& r) { return r && r->type != REDIS_REPLY_ERROR; }

void set(std::string* error, std::string why) {
  if (error) *error = std::move(why);
}

}  // namespace

void reply_deleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

void blocking_redis::context_deleter::operator()(redisContext* ctx) const { redisFree(ctx); }

std::optional<blocking_redis> blocking_redis::connect(const std::string& host, int port,
                                                      std::chrono::milliseconds timeout, std::string* error) {
  blocking_redis c(redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout)));
  if (!c.ctx_ || c.ctx_->err) {
    set(error, c.ctx_ ? c.ctx_->errstr : "out of memory");
    return std::nullopt;
  }
  c.set_timeout(timeout);
  return c;
}

std::optional<blocking_redis> blocking_redis::connect(const common::redis_endpoint& endpoint,
                                                      std::chrono::milliseconds timeout, std::string* error) {
  auto c = connect(endpoint.host, endpoint.port, timeout, error);
  if (!c) return std::nullopt;
  if (!endpoint.password.empty()) {
    auto reply = endpoint.username.empty() ? c->command({"AUTH", endpoint.password})
                                           : c->command({"AUTH", endpoint.username, endpoint.password});
    if (!accepted(reply)) {
      set(error, "AUTH refused");  // the server's text may echo what was sent
      return std::nullopt;
    }
  }
  if (endpoint.db != 0 && !accepted(c->command({"SELECT", std::to_string(endpoint.db)}))) {
    set(error, "SELECT " + std::to_string(endpoint.db) + " refused");
    return std::nullopt;
  }
  return c;
}

owned_reply blocking_redis::command(std::span<const std::string_view> argv) {
  argv_arrays a(argv);
  return owned_reply(static_cast<redisReply*>(redisCommandArgv(ctx_.get(), a.count(), a.data.data(), a.sizes.data())));
}

owned_reply blocking_redis::command(std::initializer_list<std::string_view> argv) {
  return command(std::span(argv.begin(), argv.size()));
}

void blocking_redis::append(std::span<const std::string_view> argv) {
  argv_arrays a(argv);
  redisAppendCommandArgv(ctx_.get(), a.count(), a.data.data(), a.sizes.data());
}

void blocking_redis::append(std::initializer_list<std::string_view> argv) {
  append(std::span(argv.begin(), argv.size()));
}

owned_reply blocking_redis::get_reply() {
  void* reply = nullptr;
  if (redisGetReply(ctx_.get(), &reply) != REDIS_OK) return nullptr;
  return owned_reply(static_cast<redisReply*>(reply));
}

std::string_view blocking_redis::error() const { return ctx_->errstr; }

void blocking_redis::set_timeout(std::chrono::milliseconds timeout) {
  redisSetTimeout(ctx_.get(), to_timeval(timeout));
}

}  // namespace tracepipe::queue

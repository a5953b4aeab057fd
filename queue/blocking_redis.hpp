#pragma once
// One synchronous hiredis connection, for code on a plain thread that wants
// none of redis_connection's Asio machinery: the observer's Redis sampler,
// the stack's readiness probe, the sink's stream consumer, tests. Commands
// go as argv (binary-safe); replies come back owned.
#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/redis_endpoint.hpp"

struct redisContext;
struct redisReply;

namespace tracepipe::queue {

/// Frees a reply with freeReplyObject.
struct reply_deleter {
  void operator()(redisReply* reply) const;
};

/// A reply the caller owns. An error reply (-ERR …) is a reply, not null.
using owned_reply = std::unique_ptr<redisReply, reply_deleter>;

class blocking_redis {
 public:
  /// Connects to host:port; `timeout` bounds the connect, then each command.
  /// nullopt with *error set to hiredis's reason ("Connection refused" …).
  static std::optional<blocking_redis> connect(const std::string& host, int port, std::chrono::milliseconds timeout,
                                               std::string* error = nullptr);
  /// Connects to `endpoint` and logs in as it says: AUTH when it has a
  /// password, SELECT when its db is not 0. *error is hiredis's reason,
  /// "AUTH refused" or "SELECT n refused" (never the password).
  static std::optional<blocking_redis> connect(const common::redis_endpoint& endpoint,
                                               std::chrono::milliseconds timeout, std::string* error = nullptr);

  /// Runs one command and waits for its reply; null when the connection
  /// failed (error() says why; the connection is then unusable).
  owned_reply command(std::span<const std::string_view> argv);
  /// command({"XLEN", key}).
  owned_reply command(std::initializer_list<std::string_view> argv);

  /// Queues a command without waiting: get_reply() answers the queued ones
  /// in order, so N commands cost one round trip.
  void append(std::span<const std::string_view> argv);
  /// append({"XLEN", key}).
  void append(std::initializer_list<std::string_view> argv);
  /// The next queued command's reply; null as command() is.
  owned_reply get_reply();

  /// hiredis's reason for the last failure ("" while none).
  std::string_view error() const;
  /// Bounds each command from now on.
  void set_timeout(std::chrono::milliseconds timeout);
  /// The hiredis context, for what this class does not wrap (its reader
  /// given to an arena of one's own, whose replies command() must then not
  /// free); still owned here.
  redisContext* native() const { return ctx_.get(); }

 private:
  struct context_deleter {
    void operator()(redisContext* ctx) const;
  };
  explicit blocking_redis(redisContext* ctx) : ctx_(ctx) {}

  std::unique_ptr<redisContext, context_deleter> ctx_;
};

}  // namespace tracepipe::queue

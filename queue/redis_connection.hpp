#pragma once
// One pipelined, self-healing connection to Redis on an Asio strand.
// Commands are written as they come (hiredis pipelines them on the socket);
// replies come back in order to each command's handler. When Redis goes
// away, every outstanding handler gets an error and the connection retries
// in the background with backoff; commands issued meanwhile fail at once
// with error::not_connected, so callers can answer 503 instead of waiting.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include "common/redis_endpoint.hpp"
#include "queue/error.hpp"

struct redisAsyncContext;
struct redisReply;

namespace tracepipe::queue {

struct connection_options {
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds reconnect_delay{200};
  std::chrono::milliseconds max_reconnect_delay{5000};
};

/// reply is null exactly when ec is set (the reply itself may be an error reply).
using reply_handler = std::function<void(boost::system::error_code ec, const redisReply* reply)>;

class redis_connection : public std::enable_shared_from_this<redis_connection> {
 public:
  redis_connection(boost::asio::any_io_executor ex, common::redis_endpoint endpoint, connection_options options);
  ~redis_connection();

  /// Connects and keeps reconnecting until stop().
  void start();
  void stop();

  /// Thread-safe. The handler runs on this connection's strand; the argument
  /// views must stay valid until the handler runs.
  void command(std::vector<std::string_view> argv, reply_handler handler);

  /// Connected and logged in.
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  const common::redis_endpoint& endpoint() const { return endpoint_; }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

 private:
  struct pending;
  static void on_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_connect(const redisAsyncContext* ctx, int status);
  static void on_disconnect(const redisAsyncContext* ctx, int status);

  void connect();
  void login();
  void issue(const std::vector<std::string_view>& argv, reply_handler handler);
  void schedule_reconnect();
  void watch_timeouts();
  void lost(const char* why);
  void report_down(const char* why);
  void lost_later(std::string why);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  common::redis_endpoint endpoint_;
  connection_options options_;
  redisAsyncContext* ctx_ = nullptr;
  std::string command_text_;  ///< reused: hiredis copies it into its output buffer
  std::atomic<bool> ready_{false};
  bool stopped_ = false;
  std::chrono::milliseconds next_delay_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer timeout_timer_;
  std::size_t outstanding_ = 0;
  std::chrono::steady_clock::time_point last_progress_;
  bool timed_out_ = false;
  bool down_reported_ = false;
};

}  // namespace tracepipe::queue

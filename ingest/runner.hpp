#pragma once
// A whole ingest process in one object: the Redis connection, producer,
// depth sampler, service and HTTP server, on its own I/O threads. Used by
// `tracepipe ingest` and, in-process, by the integration tests.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/settings.hpp"

namespace tracepipe::ingest {

class server;
class read_store;
struct service;

class runner {
 public:
  /// Throws config::error for a bad redis.url, std::runtime_error when the
  /// listen address cannot be bound. `reads` (outliving the runner) answers
  /// the read API; null: reads are answered 503.
  explicit runner(const config::settings& settings, read_store* reads = nullptr);
  ~runner();

  /// Binds and starts serving on settings.ingest.threads threads.
  boost::asio::ip::tcp::endpoint start();
  /// Stops accepting, lets requests in progress finish (up to `grace`), then
  /// closes Redis and joins the threads.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  service& svc();

 private:
  config::settings settings_;
  boost::asio::io_context ioc_;
  struct parts;
  std::unique_ptr<parts> parts_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace tracepipe::ingest

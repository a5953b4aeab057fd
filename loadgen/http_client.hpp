#pragma once
// A small blocking HTTP/1.1 client on Beast for tools and tests: one kept-alive
// connection, one request at a time. (The load generator proper is open-loop
// and asynchronous; this is not it.)
#include <chrono>
#include <map>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace tracepipe::loadgen {

struct http_answer {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< lower-case names
};

class http_client {
 public:
  /// base_url: http://host:port (a path prefix such as /api/v1 is kept).
  /// A non-zero timeout bounds connecting and each request's exchange (a
  /// stopped server then fails the request instead of blocking the caller).
  explicit http_client(const std::string& base_url, std::chrono::milliseconds timeout = {});

  /// Throws std::runtime_error when the exchange fails; a request is never resent.
  http_answer request(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {});

 private:
  void connect();
  void arm_timeout();
  /// Runs the queued operations to completion.
  void run();

  std::string host_, port_, prefix_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  bool connected_ = false;
};

}  // namespace tracepipe::loadgen

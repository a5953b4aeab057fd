#pragma once
// A small HTTP endpoint for a standalone worker: GET /metrics (Prometheus
// text from a callback) and GET /ok. Its own I/O thread; one request per
// connection.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace tracepipe::sink {

class metrics_server {
 public:
  explicit metrics_server(std::function<std::string()> render);
  ~metrics_server();
  /// Binds HOST:PORT (port 0: a free one) and serves; throws std::runtime_error naming the address.
  boost::asio::ip::tcp::endpoint start(const std::string& host_port);
  void stop();

 private:
  void accept();

  std::function<std::string()> render_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace tracepipe::sink

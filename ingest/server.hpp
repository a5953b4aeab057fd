#pragma once
// The HTTP front end: an acceptor and one session per connection, like
// Beast's advanced server (strand per connection, fresh parser per request
// with body and header limits, deadlines on every read).
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "ingest/service.hpp"

namespace tracepipe::ingest {

class server {
 public:
  /// Sessions share ownership of the service: those still queued when the
  /// io_context is destroyed may outlive the server and its owner.
  server(boost::asio::io_context& ioc, std::shared_ptr<service> svc);

  /// Binds HOST:PORT (port 0 picks a free one); throws std::runtime_error
  /// naming the address when it cannot.
  boost::asio::ip::tcp::endpoint listen(const std::string& host_port);
  void start();
  /// Stops accepting; open connections finish their current request.
  void stop();

 private:
  void do_accept();
  void accept_later();

  boost::asio::io_context& ioc_;
  std::shared_ptr<service> svc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;  ///< after a failed accept
};

}  // namespace tracepipe::ingest

#include "ingest/server.hpp"

#include <stdexcept>

#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include "ingest/detail/session.hpp"

namespace tracepipe::ingest {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
/// SO_REUSEPORT, which Asio has no public option for.
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

server::server(asio::io_context& ioc, std::shared_ptr<service> svc)
    : ioc_(ioc), svc_(std::move(svc)), acceptor_(asio::make_strand(ioc)), pause_(acceptor_.get_executor()) {}

tcp::endpoint server::listen(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  auto host = host_port.substr(0, colon);
  auto port = host_port.substr(colon + 1);
  boost::system::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
  if (ec || results.empty()) throw std::runtime_error(fmt::format("cannot resolve listen address '{}': {}", host_port, ec.message()));
  tcp::endpoint ep = *results.begin();
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  // ingest.reuse_port: several processes listen on this port and the kernel
  // spreads new connections over them (a Service over pods, on one machine).
  if (!ec && svc_->settings.reuse_port) acceptor_.set_option(reuse_port(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  return acceptor_.local_endpoint();
}

void server::start() { do_accept(); }

void server::stop() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    pause_.cancel();
  });
}

void server::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors (EMFILE/ENFILE) or memory: the pending
      // connection stays in the backlog, so accepting again at once would
      // fail again at once, a busy loop. Pause; closing connections frees fds.
      svc_->metrics.count_drop(drop_reason::accept_error);
      return accept_later();
    }
    if (svc_->connections.load() >= svc_->settings.max_connections) {
      svc_->metrics.count_drop(drop_reason::max_connections);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<detail::session>(std::move(socket), svc_)->run();
    }
    do_accept();
  });
}

void server::accept_later() {
  pause_.expires_after(std::chrono::milliseconds(100));
  pause_.async_wait([this](boost::system::error_code ec) {
    if (!ec && acceptor_.is_open()) do_accept();
  });
}

}  // namespace tracepipe::ingest

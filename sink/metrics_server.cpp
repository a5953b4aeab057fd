#include "sink/metrics_server.hpp"

#include <stdexcept>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace tracepipe::sink {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct exchange : std::enable_shared_from_this<exchange> {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::empty_body> request;
  http::response<http::string_body> response;
  const std::function<std::string()>& render;

  exchange(tcp::socket s, const std::function<std::string()>& r) : stream(std::move(s)), render(r) {}

  void run() {
    stream.expires_after(std::chrono::seconds(10));
    http::async_read(stream, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->answer();
    });
  }

  void answer() {
    auto target = request.target();
    response.version(11);
    response.keep_alive(false);
    if (target == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = render();
    } else if (target == "/ok") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = R"({"status":"ok"})";
    } else {
      response.result(http::status::not_found);
      response.set(http::field::content_type, "application/json");
      response.body() = R"({"error":"not_found","detail":"this worker serves /metrics and /ok"})";
    }
    response.prepare_payload();
    http::async_write(stream, response, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }
};

}  // namespace

metrics_server::metrics_server(std::function<std::string()> render) : render_(std::move(render)), acceptor_(ioc_) {}

metrics_server::~metrics_server() { stop(); }

tcp::endpoint metrics_server::start(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host_port.substr(0, colon), ec);
  tcp::endpoint ep;
  if (!ec) ep = tcp::endpoint(address, static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1))));
  if (!ec) acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot serve metrics on {}: {}", host_port, ec.message()));
  accept();
  thread_ = std::thread([this] { ioc_.run(); });
  return acceptor_.local_endpoint();
}

void metrics_server::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    std::make_shared<exchange>(std::move(socket), render_)->run();
    accept();
  });
}

void metrics_server::stop() {
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tracepipe::sink

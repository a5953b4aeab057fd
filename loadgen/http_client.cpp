#include "loadgen/http_client.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

http_client::http_client(const std::string& base_url, std::chrono::milliseconds timeout)
    : timeout_(timeout), stream_(ioc_) {
  std::string_view rest = base_url;
  if (rest.substr(0, 7) != "http://") throw std::runtime_error("only http:// targets are supported: " + base_url);
  rest.remove_prefix(7);
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    prefix_ = std::string(rest.substr(slash));
    if (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  host_ = std::string(rest.substr(0, colon));
  port_ = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
}

void http_client::connect() {
  tcp::resolver resolver(ioc_);
  beast::error_code ec;
  auto results = resolver.resolve(host_, port_, ec);
  if (!ec) {
    arm_timeout();
    stream_.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
  }
  if (ec) throw std::runtime_error(fmt::format("cannot connect to {}:{}: {}", host_, port_, ec.message()));
  connected_ = true;
}

void http_client::arm_timeout() {
  if (timeout_.count() > 0) stream_.expires_after(timeout_);
  else stream_.expires_never();
}

void http_client::run() {
  ioc_.restart();
  ioc_.run();
}

http_answer http_client::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  {
    if (!connected_) connect();
    http::request<http::string_body> req{http::string_to_verb(method), prefix_ + path, 11};
    req.set(http::field::host, host_);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    // Asynchronous under the hood only so that Beast's timeout applies: a
    // stopped server fails the request instead of blocking the caller.
    arm_timeout();
    http::async_write(stream_, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (!e) http::async_read(stream_, buffer, res, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    run();
    if (ec) {
      // Never resent: the server may have acted on it, and callers count exactly.
      auto what = ec.message();
      stream_.socket().close(ec);
      connected_ = false;
      throw std::runtime_error(fmt::format("{} {} failed: {}", method, path, what));
    }
    http_answer a;
    a.status = res.result_int();
    a.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      a.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) {
      stream_.socket().close(ec);
      connected_ = false;
    }
    return a;
  }
}

}  // namespace tracepipe::loadgen

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

http_client::http_client(const std::string& base_url) : stream_(ioc_) {
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
  if (!ec) stream_.connect(results, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot connect to {}:{}: {}", host_, port_, ec.message()));
  connected_ = true;
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
    http::write(stream_, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream_, buffer, res, ec);
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

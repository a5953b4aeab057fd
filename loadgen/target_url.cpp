#include "loadgen/target_url.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <fmt/format.h>

namespace tracepipe::loadgen {

url_parts split_url(const std::string& url) {
  std::string_view rest = url;
  if (rest.substr(0, 7) != "http://") throw std::runtime_error("only http:// targets are supported: " + url);
  rest.remove_prefix(7);
  url_parts u;
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    u.prefix = std::string(rest.substr(slash));
    if (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  u.host = std::string(rest.substr(0, colon));
  u.port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  return u;
}

std::vector<boost::asio::ip::tcp::endpoint> resolve_target(boost::asio::io_context& ioc, const url_parts& url,
                                                           const std::string& target) {
  using tcp = boost::asio::ip::tcp;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(url.host, url.port, ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("target {} unreachable: cannot resolve {}: {}", target, url.host, ec.message()));
  std::vector<tcp::endpoint> endpoints(results.begin(), results.end());
  tcp::socket probe(ioc);
  boost::asio::connect(probe, endpoints, ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("target {} unreachable: cannot connect to {}:{}: {}", target, url.host, url.port, ec.message()));
  probe.close(ec);
  return endpoints;
}

double parse_retry_after(std::string_view h, double fallback) {
  double s = 0;
  auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), s);
  if (h.empty() || ec != std::errc() || end != h.data() + h.size() || !(s >= 0)) return fallback;
  return s;
}

}  // namespace tracepipe::loadgen

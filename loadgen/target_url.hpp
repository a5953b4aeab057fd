#pragma once
// The load target as Beast needs it: its base URL split into host, port and
// a path prefix such as /api/v1 that every request target keeps; and how its
// Retry-After answers are read.
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace tracepipe::loadgen {

struct url_parts {
  std::string host, port, prefix;
};

/// http://host[:port][/prefix]; throws std::runtime_error otherwise (https is not supported).
url_parts split_url(const std::string& url);

/// Resolves the target and connects once, so an unreachable target is a
/// clear error before the load starts (std::runtime_error naming it).
/// Retry-After as seconds (the delay-seconds form the SDKs honour);
/// `fallback` when absent, negative or not a number.
double parse_retry_after(std::string_view header, double fallback);

std::vector<boost::asio::ip::tcp::endpoint> resolve_target(boost::asio::io_context& ioc, const url_parts& url,
                                                           const std::string& target);

}  // namespace tracepipe::loadgen

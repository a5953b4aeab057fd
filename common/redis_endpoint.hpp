#pragma once
// Where Redis is and how to log in, parsed from a redis:// URL: config checks
// redis.url with it at load, queue connects to what it says.
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::common {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  ///< empty: AUTH with the password only
  std::string password;  ///< empty: no AUTH
  int db = 0;

  /// "127.0.0.1:6379" — never includes the password, safe to log.
  std::string display() const;
};

/// redis://[[user]:password@]host[:port][/db]; nullopt when malformed.
std::optional<redis_endpoint> parse_redis_url(std::string_view url);

}  // namespace tracepipe::common

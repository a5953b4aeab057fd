// redis:// URLs: what config accepts for redis.url and queue connects to.
#include "common/redis_endpoint.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tracepipe::common {
namespace {

struct url_case {
  std::string url;
  std::string host;
  int port;
  std::string username;
  std::string password;
  int db;
};

TEST(parse_redis_url, valid_urls) {
  const url_case cases[] = {
      {"redis://127.0.0.1:6379", "127.0.0.1", 6379, "", "", 0},
      {"redis://localhost", "localhost", 6379, "", "", 0},
      {"redis://redis.internal:6380", "redis.internal", 6380, "", "", 0},
      {"redis://redis.internal:6380/2", "redis.internal", 6380, "", "", 2},
      {"redis://host/15", "host", 6379, "", "", 15},
      {"redis://host/", "host", 6379, "", "", 0},
      {"redis://host:1", "host", 1, "", "", 0},
      {"redis://host:65535", "host", 65535, "", "", 0},
      {"redis://:secret@host:7000", "host", 7000, "", "secret", 0},
      {"redis://:secret@host", "host", 6379, "", "secret", 0},
      {"redis://alice:secret@host:7000/3", "host", 7000, "alice", "secret", 3},
      {"redis://alice:@host", "host", 6379, "alice", "", 0},
      {"redis://:p@ss@host:1", "host", 1, "", "p@ss", 0},       // the last '@' ends the userinfo
      {"redis://:pa:ss@host:1", "host", 1, "", "pa:ss", 0},     // the first ':' splits user and password
      {"redis://:pa/ss@host:1/4", "host", 1, "", "pa/ss", 4},
      {"redis://[::1]:6380", "[::1]", 6380, "", "", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto ep = parse_redis_url(c.url);
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->host, c.host);
    EXPECT_EQ(ep->port, c.port);
    EXPECT_EQ(ep->username, c.username);
    EXPECT_EQ(ep->password, c.password);
    EXPECT_EQ(ep->db, c.db);
  }
}

TEST(parse_redis_url, malformed_urls) {
  const std::string_view cases[] = {
      "",
      "localhost:6379",
      "http://localhost:6379",
      "rediss://localhost:6379",
      "redis:/localhost",
      "redis://",
      "redis://:6379",
      "redis://:pw@",
      "redis://:pw@:6379",
      "redis://host:",
      "redis://host:0",
      "redis://host:-1",
      "redis://host:65536",
      "redis://host:99999999999",
      "redis://host:63a9",
      "redis://host: 6379",
      "redis://host/abc",
      "redis://host/-1",
      "redis://host/1/2",
      "redis://host/1?timeout=5",
      "redis://host:6379/db0",
  };
  for (auto url : cases) EXPECT_EQ(parse_redis_url(url), std::nullopt) << url;
}

TEST(redis_endpoint, display_never_shows_the_password) {
  auto ep = parse_redis_url("redis://alice:hunter2@cache.example:6390/1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->display(), "cache.example:6390");
  EXPECT_EQ(redis_endpoint{}.display(), "127.0.0.1:6379");
}

}  // namespace
}  // namespace tracepipe::common

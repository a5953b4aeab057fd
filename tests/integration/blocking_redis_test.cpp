// queue/blocking_redis.hpp against the test stack's real Redis: argv is
// binary-safe, pipelined replies come back in order, an error reply is a
// reply, and a refused login or connect says why.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <string>

#include "common/redis_endpoint.hpp"
#include "queue/blocking_redis.hpp"
#include "stack/detail/free_port.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using queue::blocking_redis;
constexpr std::chrono::seconds timeout{2};

common::redis_endpoint stack_redis() { return *common::parse_redis_url(stack_env().at("REDIS_URL")); }

std::string text_of(const queue::owned_reply& r) { return r && r->str ? std::string(r->str, r->len) : "<none>"; }

TEST(BlockingRedis, RunsArgvBinarySafeAndPipelines) {
  std::string why;
  auto c = blocking_redis::connect(stack_redis(), timeout, &why);
  ASSERT_TRUE(c) << why;
  const std::string key = "blocking_redis_test:key";
  const std::string value("a\0b c\r\n", 7);  // NUL, blank and CRLF survive
  EXPECT_EQ(text_of(c->command({"SET", key, value})), "OK");
  EXPECT_EQ(text_of(c->command({"GET", key})), value);

  c->append({"STRLEN", key});
  c->append({"DEL", key});
  auto length = c->get_reply();
  auto deleted = c->get_reply();
  ASSERT_TRUE(length && deleted) << c->error();
  EXPECT_EQ(length->integer, 7);
  EXPECT_EQ(deleted->integer, 1);

  auto refused = c->command({"NO-SUCH-COMMAND"});
  ASSERT_TRUE(refused) << c->error();
  EXPECT_EQ(refused->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(text_of(c->command({"PING"})), "PONG");  // still usable after an error reply
  EXPECT_EQ(c->error(), "");
}

TEST(BlockingRedis, LogsInAsTheEndpointSays) {
  std::string why;
  auto db1 = stack_redis();
  db1.db = 1;
  auto in_db1 = blocking_redis::connect(db1, timeout, &why);
  ASSERT_TRUE(in_db1) << why;
  auto in_db0 = blocking_redis::connect(stack_redis(), timeout, &why);
  ASSERT_TRUE(in_db0) << why;
  const std::string key = "blocking_redis_test:db";
  EXPECT_EQ(text_of(in_db1->command({"SET", key, "1"})), "OK");
  auto there = in_db1->command({"EXISTS", key});
  auto not_here = in_db0->command({"EXISTS", key});
  ASSERT_TRUE(there && not_here);
  EXPECT_EQ(there->integer, 1);
  EXPECT_EQ(not_here->integer, 0);
  in_db1->command({"DEL", key});

  auto wrong_password = stack_redis();
  wrong_password.password = "not-the-password";
  EXPECT_FALSE(blocking_redis::connect(wrong_password, timeout, &why));
  EXPECT_EQ(why, "AUTH refused");

  auto no_such_db = stack_redis();
  no_such_db.db = 99999;
  EXPECT_FALSE(blocking_redis::connect(no_such_db, timeout, &why));
  EXPECT_EQ(why, "SELECT 99999 refused");
}

TEST(BlockingRedis, SaysWhyItCannotConnect) {
  int closed = stack::detail::free_ports(1).at(0);  // free right now: nothing listens
  std::string why;
  EXPECT_FALSE(blocking_redis::connect("127.0.0.1", closed, timeout, &why));
  EXPECT_NE(why.find("refused"), std::string::npos) << why;
}

}  // namespace
}  // namespace tracepipe::test

// redis.cluster pointed at the test stack's standalone Redis: refused at
// start in one sentence, before anything is sent.
#include <gtest/gtest.h>

#include "ingest/runner.hpp"
#include "sink_harness.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

TEST(RedisTopology, ClusterModeAgainstAStandaloneRedisIsRefused) {
  auto s = sink_settings("refuse_cluster_mode");
  s.redis.cluster = {stack_env().at("REDIS_URL")};
  std::string why = "<started>";
  try {
    ingest::runner(s).start();
  } catch (const std::exception& e) {
    why = e.what();
  }
  auto node = stack_env().at("REDIS_URL").substr(8);  // host:port
  EXPECT_EQ(why, "redis.cluster lists " + node +
                     ", a standalone Redis (cluster_enabled:0): give it as redis.url, or list a cluster's nodes");
}

}  // namespace
}  // namespace tracepipe::test

#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tracepipe::test {

/// One Redis/ClickHouse/S3 stack for the whole test binary (ClickHouse: one
/// server, or `clickhouse_replicas` replicas with ZooKeeper; Redis: one
/// server, or a Redis Cluster):
/// started under a fresh /tmp/tracepipe-test-XXXXXX before the first test,
/// stopped after the last (the dir is kept, and named, if a test failed).
/// With TRACEPIPE_TEST_STACK=DIR it uses the stack already up in DIR and
/// neither starts nor stops it.
class stack_environment : public ::testing::Environment {
 public:
  /// `redis_masters` 0: one standalone Redis; ≥ 3: a Redis Cluster of that
  /// many masters with `redis_replicas` replicas each.
  explicit stack_environment(int clickhouse_replicas = 1, int redis_masters = 0, int redis_replicas = 0)
      : clickhouse_replicas_(clickhouse_replicas), redis_masters_(redis_masters), redis_replicas_(redis_replicas) {}
  void SetUp() override;
  void TearDown() override;

 private:
  int clickhouse_replicas_;
  int redis_masters_;
  int redis_replicas_;
};

/// DIR/stack.env of the test stack: REDIS_URL, CLICKHOUSE_URL, S3_ENDPOINT …
const std::map<std::string, std::string>& stack_env();

/// Every ClickHouse server of the test stack (CLICKHOUSE_URLS): one, or each replica.
std::vector<std::string> stack_clickhouse_urls();

/// Every Redis Cluster node of the test stack (REDIS_CLUSTER); empty for a standalone Redis.
std::vector<std::string> stack_redis_cluster_urls();

/// The test stack's directory (absolute).
const std::string& stack_dir();

}  // namespace tracepipe::test

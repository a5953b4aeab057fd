#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tracepipe::test {

/// One Redis/ClickHouse/S3 stack for the whole test binary (ClickHouse: one
/// server, or `clickhouse_replicas` replicas with ZooKeeper):
/// started under a fresh /tmp/tracepipe-test-XXXXXX before the first test,
/// stopped after the last (the dir is kept, and named, if a test failed).
/// With TRACEPIPE_TEST_STACK=DIR it uses the stack already up in DIR and
/// neither starts nor stops it.
class stack_environment : public ::testing::Environment {
 public:
  explicit stack_environment(int clickhouse_replicas = 1) : clickhouse_replicas_(clickhouse_replicas) {}
  void SetUp() override;
  void TearDown() override;

 private:
  int clickhouse_replicas_;
};

/// DIR/stack.env of the test stack: REDIS_URL, CLICKHOUSE_URL, S3_ENDPOINT …
const std::map<std::string, std::string>& stack_env();

/// Every ClickHouse server of the test stack (CLICKHOUSE_URLS): one, or each replica.
std::vector<std::string> stack_clickhouse_urls();

/// The test stack's directory (absolute).
const std::string& stack_dir();

}  // namespace tracepipe::test

#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tracepipe::test {

/// One Redis/ClickHouse/S3 stack for the whole integration test binary:
/// started under a fresh /tmp/tracepipe-test-XXXXXX before the first test,
/// stopped after the last (the dir is kept, and named, if a test failed).
/// With TRACEPIPE_TEST_STACK=DIR it uses the stack already up in DIR and
/// neither starts nor stops it.
class stack_environment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

/// DIR/stack.env of the test stack: REDIS_URL, CLICKHOUSE_URL, S3_ENDPOINT …
const std::map<std::string, std::string>& stack_env();

/// The test stack's directory (absolute).
const std::string& stack_dir();

}  // namespace tracepipe::test

#include "tests/support/stack_fixture.hpp"

#include "stack/stack.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace tracepipe::test {
namespace {

std::map<std::string, std::string> env_;
std::string dir_;
bool owned_ = false;  // we started it, so we stop it

}  // namespace

void stack_environment::SetUp() {
#ifdef TRACEPIPE_SOURCE_DIR
  // A build dir outside the source tree would not find .deps by searching
  // upward; this also serves every later up() here and the processes tests spawn.
  if (auto s3rver = std::filesystem::path(TRACEPIPE_SOURCE_DIR) / ".deps/node_modules/.bin/s3rver";
      !std::getenv("TRACEPIPE_S3RVER") && std::filesystem::exists(s3rver))
    setenv("TRACEPIPE_S3RVER", s3rver.c_str(), 0);
#endif
  if (const char* external = std::getenv("TRACEPIPE_TEST_STACK"); external && *external) {
    try {
      env_ = stack::read_env(external);
      dir_ = env_.at("TRACEPIPE_STACK_DIR");
    } catch (const std::exception& e) {
      FAIL() << "TRACEPIPE_TEST_STACK=" << external << ": " << e.what();
    }
    std::cerr << "integration: using the stack in " << dir_ << '\n';
    if (clickhouse_replicas_ != static_cast<int>(stack_clickhouse_urls().size()))
      FAIL() << "TRACEPIPE_TEST_STACK=" << external << " has " << stack_clickhouse_urls().size()
             << " ClickHouse server(s); these tests need " << clickhouse_replicas_
             << " (tracepipe stack up --clickhouse-replicas " << clickhouse_replicas_ << ")";
    auto nodes = static_cast<int>(stack_redis_cluster_urls().size());
    if (nodes != redis_masters_ * (redis_replicas_ + 1))
      FAIL() << "TRACEPIPE_TEST_STACK=" << external << " has " << nodes
             << " Redis Cluster node(s); these tests need " << redis_masters_ * (redis_replicas_ + 1)
             << " (tracepipe stack up --redis-cluster " << redis_masters_ << " --redis-replicas " << redis_replicas_
             << ")";
    return;
  }
  std::string templ = (std::filesystem::temp_directory_path() / "tracepipe-test-XXXXXX").string();
  if (!mkdtemp(templ.data())) FAIL() << "mkdtemp " << templ << ": " << std::strerror(errno);
  dir_ = templ;
  owned_ = true;
  try {
    stack::options opts;
    opts.dir = dir_;
    opts.clickhouse_replicas = clickhouse_replicas_;
    opts.redis_masters = redis_masters_;
    opts.redis_replicas = redis_replicas_;
    env_ = stack::up(opts, std::cerr);
  } catch (const std::exception& e) {
    // A fatal failure here skips every test; the dir keeps the logs.
    FAIL() << "starting the test stack in " << dir_ << " failed: " << e.what();
  }
}

void stack_environment::TearDown() {
  if (!owned_) return;
  try {
    stack::down(dir_, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "integration: stopping the test stack in " << dir_ << " failed: " << e.what() << '\n';
    return;
  }
  if (::testing::UnitTest::GetInstance()->Failed()) {
    std::cerr << "integration: a test failed; the stack's data and logs stay in " << dir_ << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

const std::map<std::string, std::string>& stack_env() { return env_; }

const std::string& stack_dir() { return dir_; }

namespace {

/// The comma-separated list under `key` ("" → none).
std::vector<std::string> env_list(const std::string& key) {
  std::vector<std::string> items;
  auto it = env_.find(key);
  const std::string list = it == env_.end() ? "" : it->second;
  for (std::size_t at = 0; at < list.size();) {
    auto comma = std::min(list.find(',', at), list.size());
    items.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return items;
}

}  // namespace

std::vector<std::string> stack_clickhouse_urls() { return env_list("CLICKHOUSE_URLS"); }

std::vector<std::string> stack_redis_cluster_urls() { return env_list("REDIS_CLUSTER"); }

}  // namespace tracepipe::test

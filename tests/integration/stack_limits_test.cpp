// Limits inside the real ClickHouse of the shared stack: its CPU through its
// own cgroup, changed live; its merge threads through a restart; and the
// one-sentence refusals where the machine or the component cannot.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "sink/clickhouse_client.hpp"
#include "stack/detail/cgroup.hpp"
#include "stack/stack.hpp"
#include "tests/support/stack_fixture.hpp"

namespace tracepipe::test {
namespace {

std::string clickhouse_query(const std::string& sql) {
  sink::clickhouse_settings settings;
  settings.url = stack_env().at("CLICKHOUSE_URL");
  sink::clickhouse_client ch(settings);
  auto r = ch.query(sql);
  return r.ok() ? r.body : "<failed> " + r.message;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

TEST(StackLimits, ClickHouseCpuIsLimitedLiveInItsOwnCgroup) {
  auto cg = stack::detail::detect_cgroups();
  if (cg.cpu_root.empty()) GTEST_SKIP() << cg.cpu_missing;
  std::ostringstream log;
  auto before = stack::cpu_of(stack_dir(), "clickhouse");
  ASSERT_TRUE(before) << "ClickHouse is not in its cgroup " << stack::detail::group_name(stack_dir(), "clickhouse");
  EXPECT_FALSE(before->cores);

  stack::limit_cpu(stack_dir(), "clickhouse", 0.2, log);
  std::shared_ptr<void> lift(nullptr, [&](void*) { stack::limit_cpu(stack_dir(), "clickhouse", std::nullopt, log); });
  // Enough work for several 100 ms periods even at a fifth of a core.
  EXPECT_FALSE(contains(clickhouse_query("SELECT count() FROM numbers(30000000) WHERE sipHash64(number) % 7 = 1"),
                        "<failed>"));
  auto held = stack::cpu_of(stack_dir(), "clickhouse");
  ASSERT_TRUE(held && held->cores);
  EXPECT_DOUBLE_EQ(*held->cores, 0.2);
  EXPECT_GT(held->throttled, before->throttled) << "the kernel never held ClickHouse back";
  EXPECT_TRUE(contains(log.str(), "clickhouse limited to 0.2 of a CPU core")) << log.str();

  stack::limit_cpu(stack_dir(), "clickhouse", std::nullopt, log);
  auto lifted = stack::cpu_of(stack_dir(), "clickhouse");
  ASSERT_TRUE(lifted);
  EXPECT_FALSE(lifted->cores);
}

TEST(StackLimits, MergeThreadsRestartClickHouseWithASmallerPool) {
  std::ostringstream log;
  stack::set_merge_threads(stack_dir(), "clickhouse", 2, log);
  std::shared_ptr<void> restore(nullptr, [&](void*) { stack::set_merge_threads(stack_dir(), "clickhouse", 0, log); });
  const std::string pool = "SELECT value FROM system.settings WHERE name = 'background_pool_size'";
  EXPECT_EQ(clickhouse_query(pool), "2\n") << log.str();
  // A restart keeps both the pool and the cgroup.
  auto cg = stack::detail::detect_cgroups();
  if (!cg.cpu_root.empty()) {
    EXPECT_TRUE(stack::cpu_of(stack_dir(), "clickhouse")) << log.str();
  }
  stack::set_merge_threads(stack_dir(), "clickhouse", 0, log);
  EXPECT_EQ(clickhouse_query(pool), "16\n") << log.str();
}

TEST(StackLimits, RefusesInOneSentenceWhatCannotBeLimited) {
  std::ostringstream log;
  try {
    stack::limit_cpu(stack_dir(), "redis", 0.5, log);
    ADD_FAILURE() << "redis took a CPU limit";
  } catch (const stack::error& e) {
    EXPECT_TRUE(contains(e.what(), "redis is no ClickHouse server")) << e.what();
  }
  EXPECT_THROW(stack::limit_cpu(stack_dir(), "clickhouse", 0.001, log), stack::error);
  EXPECT_THROW(stack::set_merge_threads(stack_dir(), "clickhouse", 100, log), stack::error);
  auto cg = stack::detail::detect_cgroups();
  if (cg.io_root.empty()) {
    try {
      stack::limit_disk(stack_dir(), "clickhouse", 10 << 20, log);
      ADD_FAILURE() << "a disk limit was taken where the machine has none";
    } catch (const stack::error& e) {
      EXPECT_EQ(std::string(e.what()), cg.io_missing);
    }
  }
  EXPECT_TRUE(log.str().empty()) << log.str();
}

}  // namespace
}  // namespace tracepipe::test

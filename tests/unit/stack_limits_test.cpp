// The stack's resource limits without a kernel: cgroup detection on trees
// made to look like each kind of machine, the numbers written to the
// kernel's files, the limit grammar, and merge threads in users.xml.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stack/detail/cgroup.hpp"
#include "stack/detail/clickhouse_config.hpp"
#include "stack/stack.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tracepipe::stack;
using namespace tracepipe::stack::detail;

class fake_cgroups : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tracepipe-cgroup-" + std::to_string(getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const fs::path& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  fs::path root_;
};

TEST_F(fake_cgroups, V1CpuHierarchyGivesCpuButRefusesDiskForBufferedWrites) {
  write("cpu/cpu.cfs_quota_us", "-1\n");
  write("blkio/blkio.throttle.write_bps_device", "");
  auto s = detect_cgroups(root_);
  EXPECT_EQ(s.version, cgroup_version::v1);
  EXPECT_EQ(s.cpu_root, root_ / "cpu");
  EXPECT_TRUE(s.cpu_missing.empty());
  EXPECT_TRUE(s.io_root.empty());
  EXPECT_NE(s.io_missing.find("page cache"), std::string::npos) << s.io_missing;
}

TEST_F(fake_cgroups, V2WithCpuAndIoGivesBoth) {
  write("cgroup.controllers", "cpuset cpu io memory pids\n");
  auto s = detect_cgroups(root_);
  EXPECT_EQ(s.version, cgroup_version::v2);
  EXPECT_EQ(s.cpu_root, root_);
  EXPECT_EQ(s.io_root, root_);
}

TEST_F(fake_cgroups, V2WithoutCpuControllerSaysSo) {
  write("cgroup.controllers", "memory pids\n");
  auto s = detect_cgroups(root_);
  EXPECT_EQ(s.version, cgroup_version::v2);
  EXPECT_TRUE(s.cpu_root.empty());
  EXPECT_NE(s.cpu_missing.find("no cpu controller"), std::string::npos) << s.cpu_missing;
  EXPECT_NE(s.io_missing.find("no io controller"), std::string::npos) << s.io_missing;
}

TEST_F(fake_cgroups, NothingMountedSaysWhatIsMissing) {
  auto s = detect_cgroups(root_);
  EXPECT_EQ(s.version, cgroup_version::none);
  EXPECT_TRUE(s.cpu_root.empty());
  EXPECT_NE(s.cpu_missing.find("no CPU limit"), std::string::npos) << s.cpu_missing;
  EXPECT_THROW(join_group(s, "tracepipe/x/clickhouse", 1), error);
}

TEST_F(fake_cgroups, V1LimitWritesTheQuotaOfThePeriodAndReadsItBack) {
  write("cpu/cpu.cfs_quota_us", "-1\n");
  auto s = detect_cgroups(root_);
  const std::string group = "tracepipe/abc/clickhouse";
  write("cpu/" + group + "/cpu.cfs_period_us", "100000\n");
  write("cpu/" + group + "/cpu.cfs_quota_us", "-1\n");
  write("cpu/" + group + "/cpu.stat", "nr_periods 40\nnr_throttled 31\nthrottled_time 5\n");
  write("cpu/" + group + "/cgroup.procs", "");
  limit_cpu(s, group, 0.25);
  auto state = read_cpu(s, group);
  ASSERT_TRUE(state.cores.has_value());
  EXPECT_DOUBLE_EQ(*state.cores, 0.25);
  EXPECT_EQ(state.periods, 40u);
  EXPECT_EQ(state.throttled, 31u);
  limit_cpu(s, group, std::nullopt);
  EXPECT_FALSE(read_cpu(s, group).cores.has_value());
}

TEST(StackLimits, QuotaNeverBelowTheKernelsMillisecond) {
  EXPECT_EQ(quota_us(0.25, 100000), 25000);
  EXPECT_EQ(quota_us(1.5, 100000), 150000);
  EXPECT_EQ(quota_us(0.001, 100000), 1000);
  EXPECT_EQ(cpu_max_line(0.5, 100000), "50000 100000");
  EXPECT_EQ(cpu_max_line(std::nullopt, 100000), "max 100000");
}

TEST(StackLimits, GroupNamesKeepStacksApartAndAvoidColons) {
  auto a = group_name("/tmp/stack-a", "clickhouse:2");
  EXPECT_EQ(a.rfind("tracepipe/", 0), 0u);
  EXPECT_EQ(a.substr(a.size() - 13), "/clickhouse-2");
  EXPECT_NE(a, group_name("/tmp/stack-b", "clickhouse:2"));
  EXPECT_EQ(a, group_name("/tmp/stack-a", "clickhouse:2"));
}

TEST(StackLimits, ParsesEachResourceAndRefusesNonsenseNamingIt) {
  EXPECT_EQ(parse_limit("cpu", "0.25").describe(), "cpu 0.25");
  EXPECT_EQ(parse_limit("cpu", "off").describe(), "cpu off");
  EXPECT_EQ(parse_limit("disk", "1MiB/s").describe(), "disk 1048576 B/s");
  EXPECT_EQ(parse_limit("merges", "2").describe(), "merges 2");
  EXPECT_EQ(parse_limit("merges", "2").lifted().describe(), "merges default");
  EXPECT_EQ(parse_limit("cpu", "0.5").lifted().describe(), "cpu off");
  for (auto [resource, value] : {std::pair{"cpu", "0"}, {"cpu", "quarter"}, {"cpu", "0.25x"}, {"disk", "fast"},
                                 {"merges", "0"}, {"merges", "65"}, {"memory", "1GB"}}) {
    try {
      parse_limit(resource, value);
      ADD_FAILURE() << resource << " " << value << " was accepted";
    } catch (const error& e) {
      std::string what = e.what();
      EXPECT_TRUE(what.find(value) != std::string::npos || what.find(resource) != std::string::npos) << what;
    }
  }
}

TEST(StackLimits, MergeThreadsGoIntoTheDefaultProfile) {
  const std::string users =
      "<yandex>\n<profiles>\n<default>\n<max_memory_usage>1</max_memory_usage>\n</default>\n<readonly>\n</readonly>\n"
      "</profiles>\n<users><default></default></users>\n</yandex>\n";
  EXPECT_EQ(clickhouse_users(users, 0), users);
  auto with = clickhouse_users(users, 2);
  auto at = with.find("<background_pool_size>2</background_pool_size>");
  ASSERT_NE(at, std::string::npos) << with;
  EXPECT_LT(with.find("<profiles>"), at);
  EXPECT_LT(at, with.find("<max_memory_usage>"));
  EXPECT_THROW(clickhouse_users("<yandex></yandex>", 2), error);
}

}  // namespace

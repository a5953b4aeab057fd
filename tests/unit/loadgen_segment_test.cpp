// `--segment I/N`: N generators' striped schedules are, together, exactly the
// whole schedule; and `--start-at`'s wall-clock times.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "config/units.hpp"
#include "loadgen/common_start.hpp"
#include "loadgen/schedule.hpp"

namespace tracepipe::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(loadgen_execution_segment, parses_i_of_n_and_names_what_is_wrong) {
  auto s = execution_segment::parse("2/3");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 3u);
  EXPECT_EQ(s->text(), "2/3");
  EXPECT_TRUE(execution_segment::parse("0/1")->whole());
  std::string why;
  EXPECT_FALSE(execution_segment::parse("3/3", &why));
  EXPECT_NE(why.find("below N"), std::string::npos) << why;
  EXPECT_FALSE(execution_segment::parse("1", &why));
  EXPECT_NE(why.find("I/N"), std::string::npos) << why;
  EXPECT_FALSE(execution_segment::parse("a/2", &why));
  EXPECT_FALSE(execution_segment::parse("0/0", &why));
  EXPECT_FALSE(execution_segment::parse("-1/2", &why));
  EXPECT_FALSE(execution_segment::parse("0/2x", &why));
}

TEST(loadgen_execution_segment, the_segments_together_are_the_whole_schedule_on_ramps_too) {
  auto whole = *schedule::parse_stages("2s:300,3s:300,1500ms:0,1s:0,2s:77");
  for (std::uint32_t n : {1u, 2u, 3u, 7u}) {
    std::vector<std::chrono::nanoseconds> together;
    std::uint64_t requests = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      auto part = whole.striped({i, n});
      requests += part.total_requests();
      for (std::uint64_t k = 0; k < part.total_requests(); ++k) {
        EXPECT_EQ(*part.intended(k), *whole.intended(i + k * n)) << i << "/" << n << " request " << k;
        together.push_back(*part.intended(k));
      }
      EXPECT_FALSE(part.intended(part.total_requests()));
      EXPECT_DOUBLE_EQ(part.rate_at(2500ms), whole.rate_at(2500ms) / n);
      EXPECT_EQ(part.total(), whole.total());
    }
    EXPECT_EQ(requests, whole.total_requests()) << n << " segments";
    std::vector<std::chrono::nanoseconds> all;
    for (std::uint64_t k = 0; k < whole.total_requests(); ++k) all.push_back(*whole.intended(k));
    std::sort(together.begin(), together.end());
    EXPECT_EQ(together, all);
  }
}

TEST(loadgen_execution_segment, more_segments_than_requests_leave_some_empty) {
  auto whole = schedule::constant(2, 1s);  // 2 requests
  EXPECT_EQ(whole.striped({0, 3}).total_requests(), 1u);
  EXPECT_EQ(whole.striped({1, 3}).total_requests(), 1u);
  EXPECT_EQ(whole.striped({2, 3}).total_requests(), 0u);
  EXPECT_FALSE(whole.striped({2, 3}).intended(0));
}

TEST(config_wall_time, rfc3339_utc_and_epoch_seconds) {
  auto t = config::parse_wall_time("2026-12-07T16:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(), 1796659200);
  auto frac = config::parse_wall_time("2026-12-07T16:00:00.250+00:00");
  ASSERT_TRUE(frac);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*frac - *t).count(), 250);
  auto epoch = config::parse_wall_time("1796659200.5");
  ASSERT_TRUE(epoch);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*epoch - *t).count(), 500);
  std::string why;
  EXPECT_FALSE(config::parse_wall_time("2026-12-07T16:00:00+01:00", &why));
  EXPECT_NE(why.find("UTC"), std::string::npos) << why;
  EXPECT_FALSE(config::parse_wall_time("2026-13-07T16:00:00Z", &why));
  EXPECT_NE(why.find("out of range"), std::string::npos) << why;
  EXPECT_FALSE(config::parse_wall_time("tomorrow", &why));
  EXPECT_NE(why.find("RFC 3339"), std::string::npos) << why;
  EXPECT_FALSE(config::parse_wall_time("-5", &why));
}

TEST(loadgen_common_start, second_0_is_the_wall_time_given_on_the_steady_clock_and_never_more_than_1s_late) {
  auto wall = *config::parse_wall_time("2026-12-07T16:00:00Z");
  std::chrono::steady_clock::time_point steady{std::chrono::seconds(1000)};
  auto ahead = plan_start(wall + 2500ms, wall, steady);
  EXPECT_EQ(ahead.steady, steady + 2500ms);
  EXPECT_EQ(ahead.wall_us, 1796659202'500'000u);
  EXPECT_EQ(ahead.wait, 2500ms);
  auto now = plan_start(std::nullopt, wall, steady);
  EXPECT_EQ(now.steady, steady);
  EXPECT_EQ(now.wall_us, 1796659200'000'000u);
  auto a_little_late = plan_start(wall - 900ms, wall, steady);  // a generator's clock a hair behind: still together
  EXPECT_EQ(a_little_late.steady, steady - 900ms);
  EXPECT_EQ(a_little_late.wait, 0ms);
  try {
    plan_start(wall - 1500ms, wall, steady);
    ADD_FAILURE() << "a start 1.5 s past was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("passed 1.5 s ago"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::loadgen

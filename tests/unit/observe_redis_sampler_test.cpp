// Figures read from Redis' INFO text by the load generator's sampler.
#include "observe/redis_sampler.hpp"

#include <gtest/gtest.h>

namespace tracepipe::observe {

namespace {

constexpr std::string_view info =
    "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_peak:2097152\r\n"
    "# Stats\r\ninstantaneous_ops_per_sec:1234\r\ninstantaneous_input_kbps:5.25\r\nrole:master\r\n";

TEST(redis_info_number, reads_the_named_line_only) {
  EXPECT_EQ(info_number(info, "used_memory"), 1048576.0);  // not used_memory_human / _peak
  EXPECT_EQ(info_number(info, "used_memory_peak"), 2097152.0);
  EXPECT_EQ(info_number(info, "instantaneous_ops_per_sec"), 1234.0);
  EXPECT_EQ(info_number(info, "instantaneous_input_kbps"), 5.25);
}

TEST(redis_info_number, absent_or_not_a_number_is_unknown) {
  EXPECT_FALSE(info_number(info, "used_memory_human"));  // "1.00M"
  EXPECT_FALSE(info_number(info, "role"));
  EXPECT_FALSE(info_number(info, "used"));
  EXPECT_FALSE(info_number(info, "missing"));
  EXPECT_FALSE(info_number("", "used_memory"));
  EXPECT_EQ(info_number("used_memory:7", "used_memory"), 7.0);  // last line without CRLF
}

}  // namespace
}  // namespace tracepipe::observe

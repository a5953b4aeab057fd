// Config values as text: sizes, durations, integers, booleans, lists.
#include "config/units.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config_test_support.hpp"

namespace tracepipe::config {
namespace {

using namespace std::chrono_literals;
using namespace config_test;

struct bytes_case {
  std::string_view text;
  std::optional<std::size_t> want;
};

TEST(parse_bytes, table) {
  const bytes_case cases[] = {
      {"25MiB", 25 * MiB},
      {"512KB", 512'000},
      {"1048576", 1'048'576},
      {"1.5KiB", 1536},
      {"0", 0},
      {"1B", 1},
      {"1b", 1},
      {"2kb", 2000},
      {"3MB", 3'000'000},
      {"1GB", 1'000'000'000},
      {"4KiB", 4 * KiB},
      {"4k", 4 * KiB},
      {"4K", 4 * KiB},
      {"2m", 2 * MiB},
      {"2M", 2 * MiB},
      {"1GiB", GiB},
      {"1g", GiB},
      {"100mib", 100 * MiB},
      {"  25 MiB  ", 25 * MiB},
      {"0.5KiB", 512},
      {"1000000000000000", 1'000'000'000'000'000},  // 1e15, the largest accepted
      // bad ones
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"MiB", std::nullopt},
      {"-1", std::nullopt},
      {"-1MiB", std::nullopt},
      {"+1", std::nullopt},
      {"25XB", std::nullopt},
      {"25 MiBs", std::nullopt},
      {"25MiB extra", std::nullopt},
      {"1.2.3", std::nullopt},
      {"0.5", std::nullopt},       // half a byte
      {"1.1KB", 1100},
      {"1.0001KiB", std::nullopt},  // not a whole number of bytes
      {"1e3", std::nullopt},
      {"0x10", std::nullopt},
      {"inf", std::nullopt},
      {"nan", std::nullopt},
      {"1000001GB", std::nullopt},  // above 1e15
      {"1TB", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_bytes(c.text), c.want) << "'" << c.text << "'";
  }
}

struct duration_case {
  std::string_view text;
  std::optional<std::chrono::milliseconds> want;
};

TEST(parse_duration, table) {
  const duration_case cases[] = {
      {"250ms", 250ms},
      {"30s", 30s},
      {"5m", 5min},
      {"1h", 1h},
      {"2min", 2min},
      {"30", 30s},  // a bare number is seconds
      {"1.5s", 1500ms},
      {"0.25s", 250ms},
      {"0ms", 0ms},
      {"30S", 30s},
      {"1H", 1h},
      {" 10 ms ", 10ms},
      {"0.5m", 30s},
      {".5s", 500ms},
      {"1h30m", 90min},  // compound: number+unit pairs add up
      {"1m30s", 90s},
      {"2h", 2h},
      {"1m30s500ms", 90'500ms},
      {"2h 30m", 150min},
      {"1M30S", 90s},
      {"1min30s", 90s},
      {"0.5s250ms", 750ms},
      {"0.5ms0.5ms", 1ms},  // parts below a millisecond, a whole one in all
      {"999999999999ms", 999'999'999'999ms},  // exact, not a double near it
      {"1000000000000ms", 1'000'000'000'000ms},
      // bad ones
      {"", std::nullopt},
      {"ms", std::nullopt},
      {"-1s", std::nullopt},
      {"1d", std::nullopt},
      {"1us", std::nullopt},
      {"1.5ms", std::nullopt},  // below a millisecond
      {"10 seconds", std::nullopt},
      {"1m30", std::nullopt},   // only a lone number may leave out its unit
      {"30 30s", std::nullopt},
      {"1m-30s", std::nullopt},
      {"1.2.3s", std::nullopt},
      {"1ms500us", std::nullopt},
      {"s30", std::nullopt},
      {"1m30s.", std::nullopt},
      {"abc", std::nullopt},
      {"1e3ms", std::nullopt},
      {"1000000000001ms", std::nullopt},  // above 1e12 ms
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.text), c.want) << "'" << c.text << "'";
  }
}

TEST(parse_duration, exact_decimal_fractions) {
  EXPECT_EQ(parse_duration("1.001s"), 1001ms);
  EXPECT_EQ(parse_duration("2.003s"), 2003ms);
  EXPECT_EQ(parse_bytes("1.001KB"), 1001u);
}

TEST(parse_duration, errors_say_why) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "empty duration"},
      {"  ", "empty duration"},
      {"2x", "duration '2x': unknown unit 'x' (use ms, s, m, h)"},
      {"10 seconds", "duration '10 seconds': unknown unit 'seconds' (use ms, s, m, h)"},
      {"1m30", "duration '1m30': missing unit (use ms, s, m, h)"},
      {"-5s", "duration '-5s': expected a number at '-5s'"},
      {"1m-5s", "duration '1m-5s': expected a number at '-5s'"},
      {"1.2.3s", "duration '1.2.3s': expected a number at '1.2.3s'"},
      {"1000000h", "duration '1000000h': longer than 100 years"},
      {"99999999999999999999999s", "duration '99999999999999999999999s': longer than 100 years"},
      {"1.5ms", "duration '1.5ms': not a whole number of milliseconds"},
      {"1000000000001ms", "duration '1000000000001ms': more than 10^12 ms"},
  };
  for (const auto& [text, why] : cases) {
    std::string error;
    EXPECT_EQ(parse_duration(text, &error), std::nullopt) << "'" << text << "'";
    EXPECT_EQ(error, why) << "'" << text << "'";
  }
}

TEST(parse_duration_ns, below_a_millisecond_and_up_to_100_years) {
  using namespace std::chrono;
  const std::pair<std::string_view, std::optional<nanoseconds>> cases[] = {
      {"1.5ms", 1'500us},
      {"0.000001s", 1us},
      {"0.0000000004s", 0ns},  // rounded to the nanosecond
      {"0.0000000005s", 1ns},
      {"500ms", 500ms},
      {"1m30s", 90s},
      {"1.5s", 1500ms},
      {"0s", 0s},
      {"30", 30s},
      {"876600h", hours(876'600)},  // 100 years of 365.25 days
      {"876600h1ms", std::nullopt},
      {"1000000000001ms", milliseconds(1'000'000'000'001)},  // above what parse_duration takes
      {"1us", std::nullopt},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_duration_ns(text), want) << "'" << text << "'";
  std::string error;
  EXPECT_EQ(parse_duration_ns("30:5", &error), std::nullopt);
  EXPECT_EQ(error, "duration '30:5': missing unit (use ms, s, m, h)");
}

TEST(parse_integer, table) {
  const std::pair<std::string_view, std::optional<long long>> cases[] = {
      {"0", 0},           {"42", 42},       {" 7 ", 7},          {"-5", -5},
      {"9223372036854775807", 9223372036854775807LL},
      {"", std::nullopt}, {"+5", std::nullopt}, {"1.0", std::nullopt}, {"12abc", std::nullopt},
      {"9223372036854775808", std::nullopt}, {"0x1f", std::nullopt}, {"1 2", std::nullopt},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_integer(text), want) << "'" << text << "'";
}

TEST(parse_bool, table) {
  const std::pair<std::string_view, std::optional<bool>> cases[] = {
      {"1", true},   {"true", true},   {"TRUE", true},   {"Yes", true},   {"on", true},  {" true ", true},
      {"0", false},  {"false", false}, {"False", false}, {"NO", false},   {"off", false}, {"\tOFF\n", false},
      {"", std::nullopt}, {"2", std::nullopt}, {"y", std::nullopt}, {"n", std::nullopt},
      {"truee", std::nullopt}, {"enabled", std::nullopt}, {"t", std::nullopt},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_bool(text), want) << "'" << text << "'";
}

TEST(parse_list, table) {
  using list = std::vector<std::string>;
  const std::pair<std::string_view, list> cases[] = {
      {"", {}},
      {"a", {"a"}},
      {"a,b,c", {"a", "b", "c"}},
      {" a , b ,c ", {"a", "b", "c"}},
      {"a,,b", {"a", "b"}},
      {",a,", {"a"}},
      {" , ,", {}},
      {"key one, key two", {"key one", "key two"}},
      {"a,a", {"a", "a"}},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_list(text), want) << "'" << text << "'";
}

}  // namespace
}  // namespace tracepipe::config

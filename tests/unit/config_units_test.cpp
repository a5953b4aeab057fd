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
      // bad ones
      {"", std::nullopt},
      {"ms", std::nullopt},
      {"-1s", std::nullopt},
      {"1d", std::nullopt},
      {"1us", std::nullopt},
      {"1.5ms", std::nullopt},  // below a millisecond
      {"10 seconds", std::nullopt},
      {"1h30m", std::nullopt},
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

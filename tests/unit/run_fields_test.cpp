#include "common/run_fields.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace tracepipe::common {
namespace {

constexpr std::int64_t s_to_us = 1'000'000;
/// 2024-05-01T12:00:00Z in µs since the epoch.
constexpr std::int64_t may_first = 1'714'564'800 * s_to_us;

TEST(is_uuid, table) {
  const std::pair<std::string_view, bool> cases[] = {
      {"0f8fad5b-d9cb-469f-a165-70867728950e", true},
      {"0F8FAD5B-D9CB-469F-A165-70867728950E", true},
      {"0f8FAD5b-d9CB-469f-A165-70867728950e", true},
      {"00000000-0000-0000-0000-000000000000", true},
      {"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
      {"", false},
      {"0f8fad5b-d9cb-469f-a165-70867728950", false},    // 35 chars
      {"0f8fad5b-d9cb-469f-a165-70867728950e0", false},  // 37 chars
      {"0f8fad5bd9cb469fa16570867728950e", false},       // no hyphens
      {"0f8fad5b-d9cb-469f-a165_70867728950e", false},
      {"0f8fad5bd-9cb-469f-a165-70867728950e", false},   // hyphen moved
      {"0f8fad5g-d9cb-469f-a165-70867728950e", false},   // g
      {"{0f8fad5b-d9cb-469f-a165-70867728950e}", false},
      {"urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", false},
      {" 0f8fad5b-d9cb-469f-a165-70867728950", false},
      {"0f8fad5b-d9cb-469f-a165-70867728950 ", false},
      {"------------------------------------", false},
      {"0f8fad5b-d9cb-469f-a165-7086772895\xc3\xa9", false},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(is_uuid(text), want) << "'" << text << "'";
}

TEST(canonical_uuid, lower_cases) {
  EXPECT_EQ(canonical_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E"), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(canonical_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(canonical_uuid(""), "");
  EXPECT_EQ(canonical_uuid("AbC-123"), "abc-123");
}

TEST(is_run_type, table) {
  for (auto t : {"llm", "tool", "chain", "retriever", "embedding", "prompt", "parser"}) EXPECT_TRUE(is_run_type(t)) << t;
  for (auto t : {"", "LLM", "Chain", "llm ", " tool", "agent", "chat", "retrievers", "embed"})
    EXPECT_FALSE(is_run_type(t)) << "'" << t << "'";
}

struct iso_case {
  std::string_view text;
  std::optional<std::int64_t> want;
};

TEST(parse_iso8601_us, valid_forms) {
  const iso_case cases[] = {
      {"2024-05-01T12:00:00Z", may_first},
      {"2024-05-01T12:00:00z", may_first},
      {"2024-05-01t12:00:00Z", may_first},
      {"2024-05-01T12:00:00", may_first},  // no zone: UTC
      {"2024-05-01 12:00:00", may_first},  // space separator
      {"2024-05-01 12:00:00.250000", may_first + 250'000},
      {"2024-05-01T14:00:00+02:00", may_first},
      {"2024-05-01T14:00:00+0200", may_first},
      {"2024-05-01T10:00:00-02:00", may_first},
      {"2024-05-01T10:00:00-0200", may_first},
      {"2024-05-01T17:30:00+05:30", may_first},
      {"2024-05-01T12:00:00+00:00", may_first},
      {"2024-05-01T12:00:00-0000", may_first},
      {"2024-05-01T14:00:00.5+02:00", may_first + 500'000},
      // fractions of 1 to 9 digits; beyond µs they are truncated
      {"2024-05-01T12:00:00.1Z", may_first + 100'000},
      {"2024-05-01T12:00:00.12Z", may_first + 120'000},
      {"2024-05-01T12:00:00.123Z", may_first + 123'000},
      {"2024-05-01T12:00:00.1234Z", may_first + 123'400},
      {"2024-05-01T12:00:00.12345Z", may_first + 123'450},
      {"2024-05-01T12:00:00.123456Z", may_first + 123'456},
      {"2024-05-01T12:00:00.1234567Z", may_first + 123'456},
      {"2024-05-01T12:00:00.12345678Z", may_first + 123'456},
      {"2024-05-01T12:00:00.123456789Z", may_first + 123'456},
      {"2024-05-01T12:00:00.999999999Z", may_first + 999'999},
      {"2024-05-01T12:00:00.000001", may_first + 1},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -1 * s_to_us},
      {"2000-02-29T00:00:00Z", 951'782'400 * s_to_us},  // leap year
      {"2023-11-14T22:13:20Z", 1'700'000'000 * s_to_us},
      {"9999-12-31T23:59:59Z", 253'402'300'799 * s_to_us},
      {"2024-05-01T11:59:60Z", may_first},  // a leap second reads as the next minute's start
  };
  for (const auto& c : cases) EXPECT_EQ(parse_iso8601_us(c.text), c.want) << "'" << c.text << "'";
}

TEST(parse_iso8601_us, invalid_forms) {
  const std::string_view cases[] = {
      "",
      "garbage",
      "2024-05-01",
      "2024-05-01T12:00",
      "2024-05-01T12:00:0",
      "2024-13-01T00:00:00Z",   // month 13
      "2024-00-01T00:00:00Z",   // month 0
      "2024-05-00T00:00:00Z",   // day 0
      "2024-04-31T00:00:00Z",   // April has 30 days
      "2024-02-30T00:00:00Z",   // Feb 30
      "2023-02-29T00:00:00Z",   // not a leap year
      "1900-02-29T00:00:00Z",   // century, not a leap year
      "2024-05-32T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T12:60:00Z",
      "2024-05-01T12:00:61Z",
      "2024-5-01T12:00:00Z",
      "2024/05/01T12:00:00Z",
      "2024-05-01X12:00:00Z",
      "2024-05-01T12-00-00Z",
      "2024-05-01T12:00:00.Z",  // dot without digits
      "2024-05-01T12:00:00.",
      "2024-05-01T12:00:00ZZ",
      "2024-05-01T12:00:00Z ",
      " 2024-05-01T12:00:00Z",
      "2024-05-01T12:00:00 Z",
      "2024-05-01T12:00:00+02",     // offset without minutes
      "2024-05-01T12:00:00+2:00",
      "2024-05-01T12:00:00+02:0",
      "2024-05-01T12:00:00+24:00",
      "2024-05-01T12:00:00+02:60",
      "2024-05-01T12:00:00+02:00Z",
      "2024-05-01T12:00:00+02:00:00",
      "2024-05-01T12:00:00.123+02:00x",
      "2024-05-01T12:00:00UTC",
      "+2024-05-01T12:00:00Z",
      "20240501T120000Z",
      "1714564800",
      "2024-05-01T12:00:00.12a",
  };
  for (auto text : cases) EXPECT_EQ(parse_iso8601_us(text), std::nullopt) << "'" << text << "'";
}

TEST(epoch_number_to_us, seconds_milliseconds_microseconds) {
  const std::pair<double, std::optional<std::int64_t>> cases[] = {
      {0, 0},
      {1, s_to_us},
      {1'714'564'800, may_first},                    // seconds (Python SDK)
      {1'714'564'800.5, may_first + 500'000},        // seconds with a fraction
      {1'714'564'800.123456, may_first + 123'456},
      {1'714'564'800'123.0, may_first + 123'000},    // milliseconds (JS Date.now())
      {1'714'564'800'123.456, may_first + 123'456},
      {1'714'564'800'123'456.0, may_first + 123'456},  // microseconds
      {99'999'999'999.0, 99'999'999'999 * s_to_us},  // largest seconds
      {1e11, 100'000'000'000'000},                   // from 1e11 on: milliseconds
      {4'102'444'800'000.0, 4'102'444'800'000'000},  // 2100-01-01 in ms
      {1e14, 100'000'000'000'000},                   // from 1e14 on: microseconds
      {9.1e18, 9'100'000'000'000'000'000},
      {9.2e18, std::nullopt},                        // does not fit int64 safely
      {1e300, std::nullopt},
      {-1, std::nullopt},
      {-1e-9, std::nullopt},
      {-1'714'564'800, std::nullopt},
      {std::numeric_limits<double>::quiet_NaN(), std::nullopt},
      {std::numeric_limits<double>::infinity(), std::nullopt},
      {-std::numeric_limits<double>::infinity(), std::nullopt},
  };
  for (const auto& [v, want] : cases) EXPECT_EQ(epoch_number_to_us(v), want) << v;
}

constexpr std::string_view root_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr std::string_view child_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
constexpr std::string_view grandchild_id = "16fd2706-8baf-433b-82eb-8c7fada847da";

std::string segment(std::string_view time, std::string_view id) { return std::string(time) + std::string(id); }

const std::string root_dotted = segment("20240501T120000123456Z", root_id);
const std::string child_dotted = root_dotted + "." + segment("20240501T120000200000Z", child_id);
const std::string grandchild_dotted = child_dotted + "." + segment("20240501T120001000000Z", grandchild_id);

struct dotted_case {
  std::string name;
  std::string dotted;
  std::string_view run_id;
  std::string_view trace_id;
  std::optional<std::string> problem;
};

TEST(check_dotted_order, table) {
  const std::string last_wrong = "its last segment does not end with the run's id";
  const std::string first_wrong = "its first segment does not end with the trace_id";
  auto malformed = [](int i) { return "segment " + std::to_string(i) + " is not <%Y%m%dT%H%M%S%fZ><uuid>"; };
  const dotted_case cases[] = {
      {"valid root", root_dotted, root_id, root_id, std::nullopt},
      {"valid child", child_dotted, child_id, root_id, std::nullopt},
      {"valid grandchild", grandchild_dotted, grandchild_id, root_id, std::nullopt},
      {"upper-case ids compare canonically", root_dotted, "0F8FAD5B-D9CB-469F-A165-70867728950E",
       "0F8FAD5B-D9CB-469F-A165-70867728950E", std::nullopt},
      {"upper-case in the dotted order", segment("20240501T120000123456Z", "0F8FAD5B-D9CB-469F-A165-70867728950E"),
       root_id, root_id, std::nullopt},
      {"empty trace_id skips the trace check", child_dotted, child_id, "", std::nullopt},
      {"leap day", segment("20240229T000000000000Z", root_id), root_id, root_id, std::nullopt},
      {"wrong last id", child_dotted, root_id, root_id, last_wrong},
      {"root dotted order for a child", root_dotted, child_id, root_id, last_wrong},
      {"wrong trace id", child_dotted, child_id, child_id, first_wrong},
      {"wrong trace id on a root", root_dotted, root_id, child_id, first_wrong},
      {"empty", "", root_id, root_id, malformed(0)},
      {"trailing dot", root_dotted + ".", root_id, root_id, malformed(1)},
      {"leading dot", "." + root_dotted, root_id, root_id, malformed(0)},
      {"double dot", root_dotted + ".." + segment("20240501T120000200000Z", child_id), child_id, root_id, malformed(1)},
      {"only a uuid", std::string(root_id), root_id, root_id, malformed(0)},
      {"no Z", "20240501T120000123456" + std::string(root_id), root_id, root_id, malformed(0)},
      {"lower-case t", segment("20240501t120000123456Z", root_id), root_id, root_id, malformed(0)},
      {"lower-case z", segment("20240501T120000123456z", root_id), root_id, root_id, malformed(0)},
      {"millisecond fraction", segment("20240501T120000123Z", root_id), root_id, root_id, malformed(0)},
      {"ISO separators", segment("2024-05-01T12:00:00.123456Z", root_id), root_id, root_id, malformed(0)},
      {"month 13", segment("20241301T120000123456Z", root_id), root_id, root_id, malformed(0)},
      {"Feb 30", segment("20240230T120000123456Z", root_id), root_id, root_id, malformed(0)},
      {"hour 24", segment("20240501T240000123456Z", root_id), root_id, root_id, malformed(0)},
      {"minute 60", segment("20240501T126000123456Z", root_id), root_id, root_id, malformed(0)},
      {"not a uuid", segment("20240501T120000123456Z", "0f8fad5b-d9cb-469f-a165-70867728950g"), root_id, root_id,
       malformed(0)},
      {"uuid without hyphens", "20240501T120000123456Z0f8fad5bd9cb469fa16570867728950e----", root_id, root_id,
       malformed(0)},
      {"bad date in the child segment", root_dotted + "." + segment("20240431T120000000000Z", child_id), child_id,
       root_id, malformed(1)},
      {"separator inside the segment", root_dotted + "." + segment("20240501T120000200000Z", child_id) + "x",
       child_id, root_id, malformed(1)},
      {"bad third segment", child_dotted + ".garbage", grandchild_id, root_id, malformed(2)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(check_dotted_order(c.dotted, c.run_id, c.trace_id), c.problem) << c.name << ": " << c.dotted;
  }
}

}  // namespace
}  // namespace tracepipe::common

// The documents' one convention for numbers: NaN and ±inf as null, whole
// numbers as integers, figures rounded where asked; and a document's text
// is one top-level member a line, escaped by Boost.JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <boost/json/serialize.hpp>
#include <simdjson.h>

#include "common/json_document.hpp"

namespace tracepipe::common {
namespace {

std::string text(const boost::json::value& v) { return boost::json::serialize(v); }

TEST(json_document, non_finite_numbers_are_null) {
  EXPECT_EQ(text(json_number(std::nan(""))), "null");
  EXPECT_EQ(text(json_number(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(text(json_number(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(text(json_rounded(std::nan(""))), "null");
  EXPECT_EQ(text(json_rounded(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(text(json_number(std::optional<double>())), "null");
  EXPECT_EQ(text(json_rounded(std::optional<double>())), "null");
}

TEST(json_document, whole_numbers_are_integers) {
  EXPECT_EQ(text(json_number(300.0)), "300");
  EXPECT_EQ(text(json_number(-2.0)), "-2");
  EXPECT_EQ(text(json_number(0.0)), "0");
  EXPECT_EQ(text(json_rounded(29.9999)), "30");
  EXPECT_TRUE(json_number(1e300).is_double()) << "beyond 2^53 a double stays a double";
}

TEST(json_document, rounding_keeps_three_decimals_by_default) {
  EXPECT_DOUBLE_EQ(json_rounded(0.1 + 0.2).as_double(), 0.3);
  EXPECT_DOUBLE_EQ(json_rounded(12.3456).as_double(), 12.346);
  EXPECT_DOUBLE_EQ(json_rounded(12.3456, 1).as_double(), 12.3);
  EXPECT_DOUBLE_EQ(json_number(0.1 + 0.2).as_double(), 0.1 + 0.2) << "json_number does not round";
  EXPECT_DOUBLE_EQ(json_rounded(1e308).as_double(), 1e308) << "too large to scale: kept";
}

TEST(json_document, one_member_a_line_escaped_and_parseable) {
  boost::json::object doc;
  doc["name"] = "a \"quoted\"\nline\\";
  doc["figures"] = {{"p50", json_rounded(1.5)}, {"max", json_number(std::nan(""))}};
  doc["list"] = boost::json::array{1, 2};
  auto out = json_document(doc);
  EXPECT_EQ(out,
            "{\n"
            R"(  "name":"a \"quoted\"\nline\\",)" "\n"
            R"(  "figures":{"p50":1.5,"max":null},)" "\n"  // plain decimal, never 1.5E0
            R"(  "list":[1,2])" "\n"
            "}\n");
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(out).get(e), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(e["name"].get_string().value()), "a \"quoted\"\nline\\");
  EXPECT_DOUBLE_EQ(e["figures"]["p50"].get_double().value(), 1.5);
  EXPECT_EQ(json_document({}), "{\n}\n");
}

}  // namespace
}  // namespace tracepipe::common

// The comparison grammar (report/comparison.hpp) that thresholds and
// scenario expectations both parse with: operators, holds(), the scanner.
#include <cmath>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>

#include "lab/expectation.hpp"
#include "report/comparison.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::report {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

TEST(comparison_op, text_and_equality_with_text) {
  EXPECT_EQ(text(comparison_op::less), "<");
  EXPECT_EQ(text(comparison_op::less_equal), "<=");
  EXPECT_EQ(text(comparison_op::greater), ">");
  EXPECT_EQ(text(comparison_op::greater_equal), ">=");
  EXPECT_EQ(text(comparison_op::equal), "==");
  EXPECT_EQ(text(comparison_op::not_equal), "!=");
  EXPECT_TRUE(comparison_op::less_equal == "<=");
  EXPECT_FALSE(comparison_op::less_equal == "<");
  std::ostringstream out;
  out << comparison_op::not_equal;
  EXPECT_EQ(out.str(), "!=");
}

TEST(comparison_op, holds_each_operator) {
  EXPECT_TRUE(holds(1, comparison_op::less, 2));
  EXPECT_FALSE(holds(2, comparison_op::less, 2));
  EXPECT_TRUE(holds(2, comparison_op::less_equal, 2));
  EXPECT_FALSE(holds(3, comparison_op::less_equal, 2));
  EXPECT_TRUE(holds(3, comparison_op::greater, 2));
  EXPECT_FALSE(holds(2, comparison_op::greater, 2));
  EXPECT_TRUE(holds(2, comparison_op::greater_equal, 2));
  EXPECT_FALSE(holds(1, comparison_op::greater_equal, 2));
  EXPECT_TRUE(holds(2, comparison_op::equal, 2));
  EXPECT_FALSE(holds(1, comparison_op::equal, 2));
  EXPECT_TRUE(holds(1, comparison_op::not_equal, 2));
  EXPECT_FALSE(holds(2, comparison_op::not_equal, 2));
  EXPECT_TRUE(holds(std::numeric_limits<double>::infinity(), comparison_op::greater, 1e300));
}

TEST(comparison_op, a_side_not_measured_never_holds) {
  for (auto op : {comparison_op::less, comparison_op::less_equal, comparison_op::greater,
                  comparison_op::greater_equal, comparison_op::equal, comparison_op::not_equal}) {
    EXPECT_FALSE(holds(nan, op, 1)) << op;
    EXPECT_FALSE(holds(1, op, nan)) << op;
    EXPECT_FALSE(holds(nan, op, nan)) << op;
  }
}

TEST(comparison_scanner, operators_two_characters_first) {
  for (auto [written, op] : {std::pair{"<=", comparison_op::less_equal}, {">=", comparison_op::greater_equal},
                             {"==", comparison_op::equal}, {"!=", comparison_op::not_equal},
                             {"<", comparison_op::less}, {">", comparison_op::greater}}) {
    const std::string text = std::string(" ") + written + " 1";  // the scanner views it: keep it alive
    comparison_scanner s(text);
    EXPECT_EQ(s.op(), op) << written;
    EXPECT_EQ(s.number(), 1.0) << written;
    EXPECT_TRUE(s.done()) << written;
  }
  comparison_scanner s("=> 1");
  EXPECT_FALSE(s.op());
  EXPECT_EQ(s.rest(), "=> 1");  // a miss consumes nothing
}

TEST(comparison_scanner, names_numbers_and_blanks) {
  comparison_scanner s("  http_p99\t<=1.5e3ms ");
  EXPECT_EQ(s.name(), "http_p99");
  EXPECT_EQ(s.op(), comparison_op::less_equal);
  EXPECT_EQ(s.number(), 1500.0);
  EXPECT_EQ(s.name(), "ms");
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.rest(), "the end");

  comparison_scanner phase("no-wait)");
  EXPECT_EQ(phase.name(), "no-wait");  // phase names may hold '-'
  EXPECT_EQ(phase.name(), "");
  EXPECT_TRUE(phase.take(")"));

  comparison_scanner negative("-2 * x");
  EXPECT_EQ(negative.number(), -2.0);
  EXPECT_TRUE(negative.take("*"));
  EXPECT_FALSE(negative.take("*"));
  EXPECT_EQ(negative.name(), "x");
}

TEST(comparison_scanner, a_number_must_be_finite_and_unsigned_plus_is_not_one) {
  for (auto text : {"inf", "nan", "+1", "abc", ""}) {
    comparison_scanner s(text);
    EXPECT_FALSE(s.number()) << text;
  }
  comparison_scanner huge("1e999");
  EXPECT_FALSE(huge.number());
}

TEST(comparison_scanner, take_rest_trims_and_consumes) {
  comparison_scanner s("200 m s  ");
  EXPECT_EQ(s.number(), 200.0);
  EXPECT_EQ(s.take_rest(), "m s");
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.take_rest(), "");
}

// Both parsers read the operators through the scanner, so they agree on each.
TEST(comparison_grammar, thresholds_and_expectations_read_operators_alike) {
  for (auto op : {comparison_op::less, comparison_op::less_equal, comparison_op::greater,
                  comparison_op::greater_equal, comparison_op::equal, comparison_op::not_equal}) {
    auto written = std::string(text(op));
    auto t = threshold::parse("errors " + written + " 1");
    auto e = lab::expectation::parse("lost " + written + " 1");
    ASSERT_TRUE(t) << written;
    ASSERT_TRUE(e) << written;
    EXPECT_EQ(t->op, op);
    EXPECT_EQ(e->op, op);
  }
  std::string why;
  EXPECT_FALSE(threshold::parse("errors => 1", &why));
  EXPECT_NE(why.find("no operator (use < <= > >= == !=)"), std::string::npos) << why;
  EXPECT_FALSE(lab::expectation::parse("lost => 1", &why));
  EXPECT_NE(why.find("expected one of < <= > >= == != at '=> 1'"), std::string::npos) << why;
}

TEST(comparison_grammar, thresholds_take_blanks_between_parts) {
  auto t = threshold::parse("\thttp_p99 <  1.5 s ");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->metric, "http_p99");
  EXPECT_EQ(t->op, comparison_op::less);
  EXPECT_DOUBLE_EQ(t->value, 1500);
  std::string why;
  EXPECT_FALSE(threshold::parse("errors == 1 2", &why));
  EXPECT_NE(why.find("'errors' takes a plain number, not '2'"), std::string::npos) << why;
  EXPECT_FALSE(threshold::parse("errors == zero", &why));
  EXPECT_NE(why.find("value 'zero' is not a number"), std::string::npos) << why;
}

}  // namespace
}  // namespace tracepipe::report

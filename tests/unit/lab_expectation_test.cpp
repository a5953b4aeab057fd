// Scenario expectations (lab/expectation.hpp): the grammar, its errors,
// and judging over a phase's seconds of a timeseries.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lab/expectation.hpp"

namespace tracepipe::lab {

using namespace tracepipe::loadgen;
using namespace tracepipe::report;

namespace {

expectation parsed(std::string_view text) {
  std::string why;
  auto e = expectation::parse(text, &why);
  EXPECT_TRUE(e) << why;
  return e.value_or(expectation{});
}

std::string error_of(std::string_view text) {
  std::string why;
  EXPECT_FALSE(expectation::parse(text, &why)) << text;
  return why;
}

TEST(expectation_parse, sides_factors_phases_and_figures) {
  auto e = parsed("max(queue_depth) > 3 * max(queue_depth)@steady");
  EXPECT_EQ(e.op, ">");
  EXPECT_EQ(e.left.what, expectation_side::kind::aggregate);
  EXPECT_EQ(e.left.agg, "max");
  EXPECT_EQ(e.left.column, "queue_depth");
  EXPECT_EQ(e.left.phase, "");
  EXPECT_EQ(e.right.factor, 3);
  EXPECT_EQ(e.right.phase, "steady");
  auto f = parsed("lost==0");
  EXPECT_EQ(f.left.what, expectation_side::kind::figure);
  EXPECT_EQ(f.left.figure, "lost");
  EXPECT_EQ(f.right.what, expectation_side::kind::number);
  EXPECT_EQ(f.right.factor, 0);
  auto u = parsed("  until_below( queue_depth , 2e3 ) <= 30.5 ");
  EXPECT_EQ(u.left.agg, "until_below");
  EXPECT_EQ(u.left.below, 2000);
  EXPECT_EQ(u.op, "<=");
  EXPECT_EQ(u.right.factor, 30.5);
  EXPECT_EQ(parsed("mean(s3_puts_per_s) != 0.5 * mean(s3_puts_per_s)@no-wait").right.phase, "no-wait");
}

TEST(expectation_parse, mistakes_say_what_and_where) {
  EXPECT_NE(error_of("max(queue_depht) > 1").find("'queue_depht' is not a timeseries.csv column"), std::string::npos);
  EXPECT_NE(error_of("p99(queue_depth) > 1").find("unknown aggregate 'p99' (max, min, mean, median"), std::string::npos);
  EXPECT_NE(error_of("max(queue_depth) => 1").find("expected one of < <= > >= == !="), std::string::npos);
  EXPECT_NE(error_of("max(queue_depth) > ").find("expected a number, AGG(COLUMN) or a figure"), std::string::npos);
  EXPECT_NE(error_of("max(queue_depth > 1").find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of("until_below(queue_depth) < 3").find("until_below takes a column and a number"), std::string::npos);
  EXPECT_NE(error_of("lost == 0 0").find("unexpected '0'"), std::string::npos);
  EXPECT_NE(error_of("max(queue_depth)@ > 1").find("phase name after '@'"), std::string::npos);
  EXPECT_NE(error_of("").find("expected a number"), std::string::npos);
}

class expectation_judge : public ::testing::Test {
 protected:
  void SetUp() override {
    // seconds 1..6; queue_depth known but for second 4; steady = (0, 2], busy = (2, 6].
    table_ = parse_timeseries_csv(
        "second,queue_depth,lag_p99_ms\n1,100,10\n2,300,20\n3,900,30\n4,,40\n5,5000,50\n6,200,60\n");
    ctx_.series = &table_;
    ctx_.windows = {{"steady", {0, 2}}, {"busy", {2, 6}}, {"empty", {10, 20}}};
    ctx_.figure = [](std::string_view name) { return name == "lost" ? 0.0 : NAN; };
  }
  expectation_outcome judged(std::string_view text, std::string_view window) {
    return judge(parsed(text), window, ctx_);
  }
  timeseries_table table_;
  expectation_context ctx_;
};

TEST_F(expectation_judge, aggregates_over_the_phase_window_skipping_unknown_cells) {
  auto o = judged("max(queue_depth) > 3 * max(queue_depth)@steady", "busy");
  EXPECT_EQ(o.left, 5000);
  EXPECT_EQ(o.right, 900);
  EXPECT_TRUE(o.passed);
  EXPECT_EQ(o.window, "busy");
  EXPECT_EQ(judged("mean(queue_depth) == 2033.3333333333333", "busy").left, (900 + 5000 + 200) / 3.0);
  EXPECT_EQ(judged("min(queue_depth) < 0", "busy").left, 200);
  EXPECT_EQ(judged("sum(queue_depth) < 0", "steady").left, 400);
  EXPECT_EQ(judged("first(queue_depth) < 0", "busy").left, 900);
  EXPECT_EQ(judged("last(queue_depth) < 0", "busy").left, 200);
  EXPECT_EQ(judged("median(queue_depth) < 0", "busy").left, 900) << "900 200 5000: the middle one";
  EXPECT_EQ(judged("median(lag_p99_ms) < 0", "busy").left, 40) << "30 40 50 60: the lower middle, a real cell";
  EXPECT_EQ(judged("max(lag_p99_ms) < 0", "").left, 60);  // no window: every row
}

TEST_F(expectation_judge, until_below_counts_seconds_from_the_window_start) {
  EXPECT_EQ(judged("until_below(queue_depth, 1000) < 10", "busy").left, 1);  // second 3 already ≤ 1000
  EXPECT_EQ(judged("until_below(queue_depth, 300) < 10", "busy").left, 4);   // second 6
  auto never = judged("until_below(queue_depth, 50) < 10", "busy");
  EXPECT_TRUE(std::isinf(never.left));
  EXPECT_FALSE(never.passed);
}

TEST_F(expectation_judge, until_below_over_the_whole_run_counts_from_the_load_start) {
  auto whole = judged("until_below(queue_depth, 300) < 10", "");  // the run's own expectation: no window
  EXPECT_EQ(whole.left, 1) << "second 1 already ≤ 300, counted from 0, not from -infinity";
  EXPECT_TRUE(whole.passed);
  ctx_.windows["all"] = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  EXPECT_EQ(judged("until_below(queue_depth, 250)@all < 10", "busy").left, 1) << "as a scenario names it";
}

TEST_F(expectation_judge, what_was_not_measured_fails_never_passes) {
  for (auto text : {"max(queue_depth) > 0", "max(queue_depth) < 1e9", "max(queue_depth) != 1"})
    EXPECT_FALSE(judged(text, "empty").passed) << text;                  // no row in the window
  EXPECT_FALSE(judged("max(redis_pending) >= 0", "busy").passed);        // a column the file lacks
  EXPECT_FALSE(judged("max(queue_depth) > 0 * max(queue_depth)@nowhere", "busy").passed);  // unknown phase
  EXPECT_FALSE(judged("duplicates == 0", "").passed);                    // a figure not measured
  EXPECT_TRUE(judged("lost == 0", "").passed);
  EXPECT_FALSE(judged("lost != 0", "").passed);
}

}  // namespace
}  // namespace tracepipe::lab

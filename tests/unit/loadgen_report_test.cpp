// Thresholds (parse, evaluate) and the summary.json / timeseries.csv writers.
#include "loadgen/report.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace tracepipe::loadgen {
namespace {

load_result sample() {
  load_result r;
  r.duration_s = 10;
  r.elapsed_s = 10.2;
  r.target_rate = 1000;
  r.achieved_rate = 995;
  r.runs_per_request = 10;
  r.offered = 1000;
  r.sent = 1002;
  r.retries = 2;
  r.accepted = 990;
  r.rejected = {{429, 7}, {503, 1}};
  r.errors = 4;
  r.dropped = 5;
  r.runs_offered = 10000;
  r.runs_sent = 10000;
  r.runs_accepted = 9900;
  r.operations_accepted = 19790;
  for (int i = 1; i <= 1000; ++i) r.corrected.record(i * 100), r.uncorrected.record(i * 50);  // up to 100 / 50 ms
  r.timeseries.push_back({1, 1000, 1000, 100, 99, 1, 0, 0, 0, 12'345});
  return r;
}

TEST(loadgen_threshold, parses_metrics_operators_and_units) {
  auto t = threshold::parse("http_p99<200ms");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->metric, "http_p99");
  EXPECT_EQ(t->op, "<");
  EXPECT_DOUBLE_EQ(t->value, 200);
  EXPECT_DOUBLE_EQ(threshold::parse("http_p99 <= 1.5s")->value, 1500);
  EXPECT_DOUBLE_EQ(threshold::parse("http_max_uncorrected<500us")->value, 0.5);
  EXPECT_EQ(threshold::parse("errors==0")->op, "==");
  EXPECT_EQ(threshold::parse("rate_ratio>=0.99")->op, ">=");
  EXPECT_EQ(threshold::parse("dropped!=3")->op, "!=");
  EXPECT_EQ(threshold::parse("accepted>3")->op, ">");
}

TEST(loadgen_threshold, rejects_with_a_reason) {
  std::string why;
  EXPECT_FALSE(threshold::parse("http_p98<200ms", &why));
  EXPECT_NE(why.find("unknown metric 'http_p98'"), std::string::npos) << why;
  EXPECT_FALSE(threshold::parse("errors 0", &why));
  EXPECT_NE(why.find("no operator"), std::string::npos) << why;
  EXPECT_FALSE(threshold::parse("http_p99<200min", &why));
  EXPECT_NE(why.find("unit 'min'"), std::string::npos) << why;
  EXPECT_FALSE(threshold::parse("errors==0ms", &why));
  EXPECT_FALSE(threshold::parse("errors==", &why));
  EXPECT_FALSE(threshold::parse("errors==abc", &why));
}

TEST(loadgen_threshold, evaluates_against_a_result) {
  auto r = sample();
  std::vector<threshold> ts;
  for (auto text : {"http_p99<200ms", "http_p99<50ms", "errors==0", "rejected_429==7", "rejected_5xx==1",
                    "rate_ratio>=0.99", "http_p50_uncorrected<=26ms", "dropped<=5"})
    ts.push_back(*threshold::parse(text));
  auto out = evaluate(ts, r);
  ASSERT_EQ(out.size(), 8u);
  EXPECT_TRUE(out[0].passed);
  EXPECT_FALSE(out[1].passed);
  EXPECT_NEAR(out[1].actual, 99.0, 1.0);  // p99 of 0.1..100 ms within the histogram's 0.8%
  EXPECT_FALSE(out[2].passed);
  EXPECT_EQ(out[2].actual, 4);
  EXPECT_TRUE(out[3].passed);
  EXPECT_TRUE(out[4].passed);
  EXPECT_TRUE(out[5].passed);
  EXPECT_TRUE(out[6].passed) << out[6].actual;
  EXPECT_TRUE(out[7].passed);
}

TEST(loadgen_summary, json_has_the_keys_and_parses) {
  auto r = sample();
  auto outcomes = evaluate({*threshold::parse("errors==0")}, r);
  auto text = summary_json(r, outcomes);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  for (auto key : {"sent", "accepted", "rejected", "errors", "dropped", "target_rate", "achieved_rate",
                   "http_latency_ms", "runs", "thresholds"})
    EXPECT_EQ(doc[key].error(), simdjson::SUCCESS) << key;
  EXPECT_EQ(doc["sent"].get_uint64().value(), 1002u);
  EXPECT_EQ(doc["rejected"]["429"].get_uint64().value(), 7u);
  EXPECT_EQ(doc["rejected"]["503"].get_uint64().value(), 1u);
  EXPECT_DOUBLE_EQ(doc["achieved_rate"].get_double().value(), 995);
  for (auto kind : {"corrected", "uncorrected"})
    for (auto p : {"p50", "p90", "p99", "p999", "max"})
      EXPECT_EQ(doc["http_latency_ms"][kind][p].error(), simdjson::SUCCESS) << kind << " " << p;
  EXPECT_DOUBLE_EQ(doc["http_latency_ms"]["corrected"]["max"].get_double().value(), 100.0);
  EXPECT_DOUBLE_EQ(doc["http_latency_ms"]["uncorrected"]["max"].get_double().value(), 50.0);
  EXPECT_FALSE(doc["thresholds"].at(0)["passed"].get_bool().value());
  // The histograms travel exactly, for merging several generators.
  std::string_view h;
  ASSERT_EQ(doc["http_latency_histogram_us"]["corrected"].get(h), simdjson::SUCCESS);
  EXPECT_EQ(*histogram::from_text(h), r.corrected);
}

TEST(loadgen_summary, timeseries_csv_rows) {
  auto csv = timeseries_csv(sample());
  EXPECT_EQ(csv,
            "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms\n"
            "1,1000,1000,100,99,1,0,0,0,12.345\n");
}

}  // namespace
}  // namespace tracepipe::loadgen

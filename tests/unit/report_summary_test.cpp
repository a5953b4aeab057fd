// Thresholds (parse, evaluate) and the summary.json / timeseries.csv writers.
#include "loadgen/load_result.hpp"
#include "report/summary.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace tracepipe::report {

using namespace tracepipe::loadgen;

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
  second_row row;
  row.second = 1;
  row.offered_runs = row.sent_runs = 1000;
  row.sent = 100;
  row.accepted = 99;
  row.rejected_429 = 1;
  row.p99_us = 12'345;
  r.timeseries.push_back(row);
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
            "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms,accepted_runs,"
            "inserted_runs,lag_p50_ms,lag_p99_ms,visible_p99_ms,queue_depth,clickhouse_parts,redis_memory_mib,"
            "redis_ops_per_s,redis_pending,redis_group_lag,clickhouse_merges,clickhouse_queries,"
            "clickhouse_inserted_rows_per_s,clickhouse_inserted_mib_per_s,clickhouse_merged_rows_per_s,"
            "clickhouse_delayed_inserts_per_s,clickhouse_rejected_inserts_per_s,ingest_inflight_mib,"
            "ingest_enqueue_p99_ms,worker_inserted_rows_per_s,worker_insert_p99_ms,worker_ack_lag_p99_ms,"
            "worker_retries_per_s,s3_puts_per_s,s3_put_mib_per_s,s3_put_p99_ms,worker_inserts_per_s,"
            "replica1_delay_s,replica2_delay_s,replica3_delay_s,replica4_delay_s,replica5_delay_s,replica1_queue,"
            "replica2_queue,replica3_queue,replica4_queue,replica5_queue,replica_inserts_queued,replicas_readonly,"
            "replicas_unanswered,zookeeper_up"
            ",redis_master1_memory_mib,redis_master2_memory_mib,redis_master3_memory_mib"
            ",redis_master4_memory_mib,redis_master5_memory_mib,redis_master1_ops_per_s"
            ",redis_master2_ops_per_s,redis_master3_ops_per_s,redis_master4_ops_per_s"
            ",redis_master5_ops_per_s,redis_master1_pending,redis_master2_pending,redis_master3_pending"
            ",redis_master4_pending,redis_master5_pending,redis_master1_lag,redis_master2_lag"
            ",redis_master3_lag,redis_master4_lag,redis_master5_lag"
            ",read_sent_per_s,read_ok_per_s,read_429_per_s,read_failed_per_s,read_p99_ms\n"
            "1,1000,1000,100,99,1,0,0,0,12.345,0,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
            ",,,,,,,,,,,,,,,,,,,,,,,,,\n");
  auto r = sample();
  r.timeseries[0].accepted_runs = 990;
  r.timeseries[0].inserted_runs = 980;
  r.timeseries[0].lag_p99_ms = 1500.5;
  r.timeseries[0].queue_depth = 42;
  r.timeseries[0].components.redis_memory_mib = 3.25;
  r.timeseries[0].components.clickhouse_inserted_rows = 980;
  r.timeseries[0].components.clickhouse_rejected_inserts = 0;
  r.timeseries[0].components.s3_put_p99_ms = 12.5;
  r.timeseries[0].components.replica2_delay_s = 4;
  r.timeseries[0].components.zookeeper_up = 1;
  EXPECT_EQ(timeseries_csv(r).substr(timeseries_csv(r).find('\n') + 1),
            "1,1000,1000,100,99,1,0,0,0,12.345,990,980,,1500.500,,42,,3.250,,,,,,980.000,,,,0.000,,,,,,,,,"
            "12.500,,,4.000,,,,,,,,,,,,1.000,,,,,,,,,,,,,,,,,,,,,,,,,\n");
}

TEST(loadgen_summary, stack_figures_are_null_until_measured_and_thresholds_on_them_fail) {
  auto r = sample();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto text = summary_json(r);
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  for (auto key : {"lag_ms", "visible_ms", "lost", "duplicates", "late"}) EXPECT_TRUE(doc[key].is_null()) << key;
  std::vector<threshold> ts{*threshold::parse("lost==0"), *threshold::parse("lag_p99<2s"),
                            *threshold::parse("visible_p50!=0")};
  for (const auto& o : evaluate(ts, r)) EXPECT_FALSE(o.passed) << o.t.text << ": not measured must not pass";

  stack_figures f;
  f.reconciled = true;
  f.expected = f.found = 500;
  f.duplicates = 2;
  for (int i = 1; i <= 100; ++i) f.lag_us.record(static_cast<std::uint64_t>(i) * 20'000);  // 20 ms … 2 s
  f.visible_us.record(300'000);
  f.clickhouse_parts_max = 12;
  r.stack = f;
  auto text2 = summary_json(r);
  simdjson::dom::parser parser2;
  ASSERT_EQ(parser2.parse(text2).get(doc), simdjson::SUCCESS) << text2;
  EXPECT_EQ(doc["lost"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["duplicates"].get_uint64().value(), 2u);
  EXPECT_NEAR(doc["lag_ms"]["p99"].get_double().value(), 1980, 1980 * 0.01);
  EXPECT_NEAR(doc["visible_ms"]["max"].get_double().value(), 300, 3);
  EXPECT_EQ(doc["components"]["clickhouse_parts_max"].get_uint64().value(), 12u);
  EXPECT_TRUE(doc["components"]["queue_depth_max"].is_null());
  auto out = evaluate({*threshold::parse("lost==0"), *threshold::parse("lag_p99<2s"),
                       *threshold::parse("lag_p99<1900ms"), *threshold::parse("duplicates==0")},
                      r);
  EXPECT_TRUE(out[0].passed);
  EXPECT_TRUE(out[1].passed) << out[1].actual;
  EXPECT_FALSE(out[2].passed) << out[2].actual;
  EXPECT_FALSE(out[3].passed);
}

}  // namespace
}  // namespace tracepipe::report

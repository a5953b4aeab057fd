// Reading the write path's /metrics: the Prometheus text format, bucket
// quantiles between two scrapes, and the per-second figures the observer
// puts in timeseries.csv — fed with what the sink's own metrics render.
#include "observe/metrics_sampler.hpp"
#include "observe/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sink/metrics.hpp"

namespace tracepipe::observe {

using namespace tracepipe::loadgen;

namespace {

TEST(prometheus_text, reads_samples_and_skips_what_is_not_one) {
  auto s = parse_prometheus_text(
      "# HELP x_total Things.\n"
      "# TYPE x_total counter\n"
      "x_total 42\n"
      "\n"
      "y{route=\"runs\",code=\"429\"} 7 1700000000000\n"
      "z{path=\"a}b\",q=\"say \\\"hi\\\"\"} 1.5e3\n"
      "h_bucket{le=\"+Inf\"} +Inf\n"
      "broken{ 1\n"
      "no_value\n"
      "nan_value NaN\n");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].name, "x_total");
  EXPECT_EQ(s[0].labels, "");
  EXPECT_EQ(s[0].value, 42);
  EXPECT_EQ(s[1].labels, "route=\"runs\",code=\"429\"");
  EXPECT_EQ(s[1].value, 7) << "the timestamp is not the value";
  EXPECT_EQ(s[2].value, 1500);
  EXPECT_EQ(label_value(s[2].labels, "path"), "a}b");
  EXPECT_EQ(label_value(s[2].labels, "q"), "say \"hi\"");
  EXPECT_TRUE(std::isinf(s[3].value));
  EXPECT_EQ(label_value(s[1].labels, "code"), "429");
  EXPECT_EQ(label_value(s[1].labels, "missing"), std::nullopt);
}

TEST(prometheus_text, sums_over_labels_and_pages_with_an_optional_filter) {
  auto s = parse_prometheus_text(
      "r{code=\"202\"} 10\nr{code=\"429\"} 3\n"  // one page
      "r{code=\"429\"} 4\nother 1\n");          // another
  EXPECT_EQ(sum_of(s, "r"), 17);
  EXPECT_EQ(sum_of(s, "r", "code", "429"), 7);
  EXPECT_EQ(sum_of(s, "r", "code", "500"), std::nullopt);
  EXPECT_EQ(sum_of(s, "absent"), std::nullopt);
}

TEST(prometheus_text, quantile_of_the_increase_between_two_scrapes) {
  // Before: 100 fast observations. Between: 100 more, 98 under 10, 2 in (10, 100].
  auto before = buckets_of(parse_prometheus_text("h_bucket{le=\"10\"} 100\nh_bucket{le=\"100\"} 100\n"
                                                 "h_bucket{le=\"+Inf\"} 100\n"),
                           "h");
  auto after = buckets_of(parse_prometheus_text("h_bucket{le=\"10\"} 198\nh_bucket{le=\"100\"} 200\n"
                                                "h_bucket{le=\"+Inf\"} 200\n"),
                          "h");
  ASSERT_EQ(after.size(), 3u);
  // Rank 99 of 100: the first of the two in (10, 100], halfway → 55.
  EXPECT_DOUBLE_EQ(*quantile_between(before, after, 0.99), 55);
  EXPECT_DOUBLE_EQ(*quantile_between(before, after, 0.49), 5);  // rank 49 of 98 under 10
  EXPECT_EQ(quantile_between(after, after, 0.99), std::nullopt) << "nothing observed in between";
  // The open bucket: its lower bound, the most the histogram can say.
  auto tail = buckets_of(parse_prometheus_text("h_bucket{le=\"10\"} 198\nh_bucket{le=\"100\"} 200\n"
                                               "h_bucket{le=\"+Inf\"} 300\n"),
                         "h");
  EXPECT_DOUBLE_EQ(*quantile_between(after, tail, 0.5), 100);
  // Fewer counts than before in some bucket: a restart in between; no quantile from that.
  auto restarted = buckets_of(parse_prometheus_text("h_bucket{le=\"10\"} 5\nh_bucket{le=\"100\"} 300\n"
                                                    "h_bucket{le=\"+Inf\"} 300\n"),
                              "h");
  EXPECT_EQ(quantile_between(after, restarted, 0.99), std::nullopt);
}

TEST(scraped_figures, from_two_renderings_of_the_sink_metrics) {
  sink::sink_metrics m;
  auto before = parse_prometheus_text(m.render());
  // Two seconds: 4000 rows inserted, 10 blobs of 100 KiB put (9 fast, 1 slow),
  // 3 retries, inserts of ~50 ms.
  m.rows_inserted += 4000;
  m.batches_inserted += 4;
  m.blobs_put += 10;
  m.blob_bytes += 10 * 100 * 1024;
  for (int i = 0; i < 9; ++i) m.s3_put_latency_us.observe(2000);
  m.s3_put_latency_us.observe(400'000);
  for (int i = 0; i < 4; ++i) m.insert_latency_us.observe(50'000);
  m.retries[static_cast<int>(sink::retry_cause::s3)] += 2;
  m.retries[static_cast<int>(sink::retry_cause::clickhouse)] += 1;
  for (int i = 0; i < 100; ++i) m.ack_lag_us.observe(1'200'000);
  auto now = parse_prometheus_text(m.render());

  component_figures f;
  scraped_figures(before, now, 2.0, f);
  EXPECT_DOUBLE_EQ(*f.worker_inserted_rows, 2000);
  EXPECT_DOUBLE_EQ(*f.worker_inserts, 2);
  EXPECT_DOUBLE_EQ(*f.s3_puts, 5);
  EXPECT_NEAR(*f.s3_put_mib, 10 * 100.0 / 1024 / 2, 1e-9);
  EXPECT_DOUBLE_EQ(*f.worker_retries, 1.5);
  // p99 of ten PUTs is the slow one's bucket; of four inserts, their bucket.
  ASSERT_TRUE(f.s3_put_p99_ms && f.worker_insert_p99_ms && f.worker_ack_lag_p99_ms);
  EXPECT_GT(*f.s3_put_p99_ms, 100);
  EXPECT_LE(*f.s3_put_p99_ms, 1000);
  EXPECT_GT(*f.worker_insert_p99_ms, 10);
  EXPECT_LE(*f.worker_insert_p99_ms, 100);
  EXPECT_GT(*f.worker_ack_lag_p99_ms, 1000);
  EXPECT_LE(*f.worker_ack_lag_p99_ms, 1500) << "the 1.2 s lags fall in the (1, 1.5] s bucket";
  EXPECT_FALSE(f.ingest_inflight_mib) << "a worker's page has no ingest figures";
  EXPECT_FALSE(f.ingest_enqueue_p99_ms);
}

TEST(scraped_figures, no_rates_from_a_first_scrape_or_across_a_restart) {
  sink::sink_metrics m;
  m.rows_inserted += 500;
  auto page = parse_prometheus_text(m.render());
  component_figures first;
  scraped_figures(page, page, 0, first);
  EXPECT_FALSE(first.worker_inserted_rows) << "one scrape has no rate";
  // The worker restarted: its counter starts again from 0.
  sink::sink_metrics restarted;
  restarted.rows_inserted += 20;
  component_figures across;
  scraped_figures(page, parse_prometheus_text(restarted.render()), 1.0, across);
  EXPECT_FALSE(across.worker_inserted_rows);
  EXPECT_DOUBLE_EQ(*across.s3_puts, 0) << "counters that did not go down still have a rate";
}

TEST(scraped_figures, ingest_gauges_need_one_scrape) {
  auto page = parse_prometheus_text("tracepipe_ingest_inflight_bytes 3145728\n");
  component_figures f;
  scraped_figures(page, page, 0, f);
  EXPECT_DOUBLE_EQ(*f.ingest_inflight_mib, 3);
}

}  // namespace
}  // namespace tracepipe::observe

// `tracepipe load` with the stack behind the target in view: the rate held
// to 1% through real ingest, Redis, sink workers and ClickHouse, every
// acknowledged run found (lost 0, duplicates 0), the visibility probe and
// the per-second figures filled; and the reconcile's counts are exact when
// it is handed acknowledgements that never happened or are missing.
#include <gtest/gtest.h>

#include <algorithm>

#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "loadgen/load_runner.hpp"
#include "loadgen/size_distribution.hpp"
#include "observe/observer.hpp"
#include "observe/reconcile.hpp"
#include "observe/stack_figures.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

TEST(LoadStack, HoldsTheRateAndEveryAcknowledgedRunIsFoundExactlyOnce) {
  auto s = sink_settings("load_stack");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  // As serve does: the workers' figures on ingest's /metrics, scraped by the observer.
  ingest.runner().svc().extra_metrics = [&worker] { return worker.metrics().render(); };
  worker.start();
  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.count("EXISTS TABLE " + ch.table()) == 1; }, 20s));

  auto target = observe::stack_target_of(s, "tracepipe-load");
  observe::observer_options watching;
  watching.target = target;
  watching.probes_per_second = 20;
  watching.metrics_urls = {ingest.url() + "/metrics"};
  observe::observer watch(watching);
  loadgen::load_options o;
  o.target = ingest.url();
  o.stages = loadgen::constant_stages(2000, 10s);
  o.body.runs_per_request = 20;
  // 1% of the inputs over the 20 KiB threshold: S3 PUTs to see.
  std::string why;
  o.body.inputs_size = *loadgen::size_distribution::parse("99%:200B-1KB,1%:25KB-30KB", &why);
  o.body.seed = 11;
  o.body.id_salt = 77;
  o.connections = 8;
  o.watch = &watch;
  auto r = loadgen::run_load(o);

  observe::reconcile_options ro;
  ro.target = target;
  ro.deadline = 60s;
  ro.start_us = r.start_wall_us;
  ro.since_us = r.start_wall_us - 2'000'000;
  auto rec = observe::reconcile(r.acknowledged, ro);
  watch.end();
  observe::attach_stack_figures(r, watch, &rec, ro);

  EXPECT_NEAR(r.achieved_rate, 2000, 2000 * 0.01);
  EXPECT_EQ(r.runs_accepted, 20000u);
  EXPECT_EQ(r.errors + r.dropped + r.rejected_total(), 0u);
  EXPECT_EQ(rec.expected, r.operations_accepted);
  EXPECT_EQ(rec.found, rec.expected);
  EXPECT_EQ(rec.lost, 0u);
  EXPECT_EQ(rec.duplicates, 0u);
  EXPECT_EQ(rec.unacknowledged, 0u);
  EXPECT_FALSE(rec.timed_out);
  EXPECT_TRUE(rec.error.empty()) << rec.error;
  EXPECT_EQ(ch.distinct_ops(), rec.found);  // and nothing else landed
  EXPECT_EQ(rec.lag_us.count(), rec.found);

  // ~20 probes a second for 10 s, every one seen, none before it was sent.
  EXPECT_GE(watch.probes_sent(), 150u);
  EXPECT_EQ(watch.probes_not_visible(), 0u);
  EXPECT_EQ(watch.probes().size(), watch.probes_sent());
  ASSERT_TRUE(r.stack);
  EXPECT_GT(r.stack->visible_us.min(), 0u);
  ASSERT_TRUE(r.stack->clickhouse_parts_max);
  EXPECT_GE(*r.stack->clickhouse_parts_max, 1u);
  ASSERT_TRUE(r.stack->queue_depth_max);
  EXPECT_GT(*r.stack->queue_depth_max, 0u);
  EXPECT_EQ(watch.errors(), 0u) << watch.last_error();
  std::uint64_t inserted = 0;
  for (const auto& row : r.timeseries) inserted += row.inserted_runs.value_or(0);
  EXPECT_EQ(inserted, r.runs_accepted) << "per-second inserted runs add up to the runs accepted";

  // Component telemetry: Redis and ClickHouse figures each second. Rates come
  // from server counters sampled ~1 s apart, so their sum is the rows written
  // in the sampled span: the load's rows (some landed before the first
  // sample, which has no rate) plus ClickHouse's own log tables.
  double memory_max = 0, inserted_per_s_sum = 0, rejected = 0;
  std::size_t with_pending = 0, with_ops = 0, with_merges = 0;
  for (const auto& row : r.timeseries) {
    const auto& c = row.components;
    memory_max = std::max(memory_max, c.redis_memory_mib.value_or(0));
    with_ops += c.redis_ops_per_s.has_value();
    with_pending += c.redis_pending.has_value();
    with_merges += c.clickhouse_merges.has_value() && c.clickhouse_queries.has_value();
    inserted_per_s_sum += c.clickhouse_inserted_rows.value_or(0);
    rejected += c.clickhouse_rejected_inserts.value_or(0);
  }
  EXPECT_GT(memory_max, 0.5) << "MiB";
  EXPECT_GE(with_ops, 10u);
  EXPECT_GE(with_pending, 10u) << "the workers' group exists on the stream";
  EXPECT_GE(with_merges, 10u);
  EXPECT_GE(inserted_per_s_sum, 0.5 * static_cast<double>(rec.found));
  EXPECT_LE(inserted_per_s_sum, 1.5 * static_cast<double>(rec.found));
  EXPECT_EQ(rejected, 0);

  // The write path's own /metrics, scraped each second from the first
  // scrape (before the load) on: the per-second rates add up to the
  // workers' totals, the latencies are there whenever something happened.
  double worker_rows = 0, puts = 0;
  std::size_t with_put_p99 = 0, with_insert_p99 = 0, with_ack_p99 = 0, with_inflight = 0;
  for (const auto& row : r.timeseries) {
    const auto& c = row.components;
    worker_rows += c.worker_inserted_rows.value_or(0);
    puts += c.s3_puts.value_or(0);
    with_put_p99 += c.s3_put_p99_ms.has_value();
    with_insert_p99 += c.worker_insert_p99_ms.has_value();
    with_ack_p99 += c.worker_ack_lag_p99_ms.has_value();
    with_inflight += c.ingest_inflight_mib.has_value();
  }
  auto blobs = static_cast<double>(worker.metrics().blobs_put.load());
  auto rows = static_cast<double>(worker.metrics().rows_inserted.load());
  EXPECT_GE(blobs, 100) << "~1% of 20,000 runs carry a large input";
  EXPECT_NEAR(puts, blobs, 0.15 * blobs);
  EXPECT_NEAR(worker_rows, rows, 0.15 * rows);
  EXPECT_GE(with_put_p99, 5u);
  EXPECT_GE(with_insert_p99, 5u);
  EXPECT_GE(with_ack_p99, 5u);
  EXPECT_GE(with_inflight, 10u);

  // Acknowledgements that never happened are lost, exactly their operations;
  // a request whose acknowledgement is missing shows up as found-unacknowledged.
  auto fake = r.accepted_requests;
  fake.push_back({1'000'000, 0});
  ro.deadline = 1500ms;
  loadgen::request_plan plan(o.body);  // the same seed and salt: the same ids
  auto with = [&](const std::vector<loadgen::accepted_request>& accepted) {
    return std::vector<loadgen::acknowledged_ops>{{plan.id_key(), loadgen::acknowledged_operations(plan, accepted)}};
  };
  ASSERT_EQ(r.acknowledged.size(), 1u);
  EXPECT_EQ(with(r.accepted_requests)[0].ops, r.acknowledged[0].ops);
  auto phantom = observe::reconcile(with(fake), ro);
  EXPECT_EQ(phantom.lost, 40u);  // 20 posts + 20 patches of request 999,999
  EXPECT_TRUE(phantom.timed_out);
  auto missing = r.accepted_requests;
  missing.erase(missing.begin() + 10);
  auto unacked = observe::reconcile(with(missing), ro);
  EXPECT_EQ(unacked.lost, 0u);
  EXPECT_EQ(unacked.unacknowledged, 20u + 20u);  // request 10's posts and its patches of request 9's runs
  worker.stop();
}

}  // namespace
}  // namespace tracepipe::test

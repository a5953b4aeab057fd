// The sink loses nothing: a worker killed mid-batch, ClickHouse down, S3
// down — every accepted run ends up in ClickHouse exactly once after dedup;
// a row ClickHouse refuses goes to the dead-letter stream, the rest inserted.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "child_process.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/wire_format.hpp"
#include "s3/client.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

std::vector<std::string> worker_argv(const config::settings& s, const std::string& consumer,
                                     const std::string& batch_age) {
  return {TRACEPIPE_BINARY, "worker", "--stack", stack_dir(), "--stream", s.redis.stream,
          "--clickhouse-database", s.clickhouse.database, "--group", s.worker.group, "--consumer", consumer,
          "--batch-age", batch_age, "--batch-rows", "100000", "--reclaim-idle", "2s", "--reclaim-interval", "500ms",
          "--retry-initial", "50ms", "--retry-max", "1s"};
}

TEST(SinkFaults, WorkerKilledMidBatchLosesNothing) {
  auto s = sink_settings("kill9");
  ingest_under_test ingest(s);
  auto log = stack_dir() + "/logs/kill9-worker.log";
  clickhouse_probe ch(s);
  // A first worker that holds its batch for a long time (10 s age) ...
  child_process first(worker_argv(s, "doomed", "10s"), log);
  auto runs = sink_runs(400, 21);
  ASSERT_TRUE(eventually([&] { return ch.count("EXISTS TABLE " + ch.table()) == 1; }, std::chrono::seconds(20)));
  auto ops = send_runs(ingest.url(), runs);
  // ... has read every entry (pending to it) but inserted none: kill -9 now.
  ASSERT_TRUE(eventually([&] { return pending(s) == ops; }, std::chrono::seconds(20))) << pending(s);
  first.kill_hard();
  EXPECT_EQ(ch.raw_rows(), 0u);

  // Another worker reclaims the dead consumer's entries once idle (2 s).
  child_process second(worker_argv(s, "rescuer", "200ms"), log);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, std::chrono::seconds(60)))
      << ch.distinct_ops() << " of " << ops;
  ASSERT_TRUE(eventually([&] { return pending(s) == 0; }));
  second.terminate();
  std::cout << "kill -9 mid-batch: sent " << ops << ", found " << ch.distinct_ops() << ", lost "
            << ops - ch.distinct_ops() << ", duplicates after dedup " << ch.duplicates_after_final() << "\n";
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

TEST(SinkFaults, ClickHouseDownTenSecondsUnderLoad) {
  auto s = sink_settings("chdown");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  clickhouse_probe ch(s);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> accepted{0};
  std::thread sender([&] {
    for (std::uint64_t seed = 100; !stop; ++seed) {
      accepted += send_runs(ingest.url(), sink_runs(20, seed, 0), 20);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  restart_guard guard{"clickhouse"};
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stack::stop_component(stack_dir(), "clickhouse", std::cerr);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  auto during = accepted.load();
  stack::start_component(stack_dir(), "clickhouse", std::cerr);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  sender.join();
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == accepted; }, std::chrono::seconds(90)))
      << ch.distinct_ops() << " of " << accepted;
  worker.stop();
  std::cout << "ClickHouse down 10 s: accepted " << accepted << " (" << during << " by the end of the outage), found "
            << ch.distinct_ops() << ", lost " << accepted - ch.distinct_ops() << ", duplicates after dedup "
            << ch.duplicates_after_final() << ", retries " << worker.metrics().retries[0].load() << "\n";
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
  EXPECT_GT(worker.metrics().retries[0].load(), 0u);
}

TEST(SinkFaults, S3DownHoldsBatchesThenLosesNothing) {
  auto s = sink_settings("s3down");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  clickhouse_probe ch(s);
  restart_guard guard{"s3"};
  stack::stop_component(stack_dir(), "s3", std::cerr);
  auto runs = sink_runs(100, 31, 1);  // every run has a large input: every row needs S3
  auto ops = send_runs(ingest.url(), runs);
  // Held: read, pending, and no row inserted that references a missing blob.
  expect_held_until_s3_returns(s, ops, ch);
  if (HasFatalFailure()) return;
  worker.stop();
  EXPECT_GT(worker.metrics().retries[1].load(), 0u);
  // A batch retried after some of its PUTs succeeded puts those again, onto
  // the same keys (deterministic per run and field): one object per run.
  EXPECT_GE(worker.metrics().blobs_put.load(), runs.size());
  auto refs = ch.rows("SELECT DISTINCT inputs_s3 FROM " + ch.table() + " WHERE inputs_s3 != ''");
  EXPECT_EQ(refs.size(), runs.size());
  s3::client s3({s.s3.endpoint, s.s3.bucket, s.s3.region, s.s3.access_key, s.s3.secret_key});
  auto prefix = "s3://" + s.s3.bucket + "/";
  for (auto& r : refs) {
    std::string error;
    auto key = r["inputs_s3"].substr(prefix.size());
    EXPECT_TRUE(s3.get(key, &error).has_value()) << key << ": " << error;
  }
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

TEST(SinkFaults, RowsClickHouseRefusesGoToDeadLetterOthersInserted) {
  auto s = sink_settings("deadletter");
  clickhouse_probe ch(s);
  ch.create_table_refusing_text_tenants(s);  // a run from tenant "bad" is a row ClickHouse refuses
  ingest_under_test ingest(s);
  redis_probe().del(s.worker.dead_letter_stream);
  sink::worker worker(s);
  worker.start();

  auto good = sink_runs(60, 41, 0);
  auto bad = sink_runs(2, 42, 0);
  loadgen::http_client client(ingest.url());
  auto send = [&](const std::vector<loadgen::generated_run>& runs, const char* tenant) {
    auto a = client.request("POST", "/runs/batch", loadgen::batch_body(runs, runs),
                            {{"content-type", "application/json"}, {"x-tenant-id", tenant}});
    ASSERT_EQ(a.status, 202u) << a.body;
  };
  send({good.begin(), good.begin() + 30}, "7");
  send(bad, "bad");
  send({good.begin() + 30, good.end()}, "7");
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == 120 && redis_probe().xlen(s.worker.dead_letter_stream) == 4; },
                         std::chrono::seconds(30)))
      << ch.distinct_ops() << " rows, " << redis_probe().xlen(s.worker.dead_letter_stream) << " dead";
  auto dead = redis_probe().entries(s.worker.dead_letter_stream);
  for (const auto& e : dead) {
    EXPECT_EQ(e.at("tenant"), "bad");
    EXPECT_NE(e.at("reason").find("Cannot parse"), std::string::npos) << e.at("reason");
    EXPECT_TRUE(e.at("run_id") == bad[0].id || e.at("run_id") == bad[1].id);
  }
  ASSERT_TRUE(eventually([&] { return redis_probe().xlen(ingest.stream()) == 0; }));
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 4u);
}

}  // namespace
}  // namespace tracepipe::test

// Scenarios 1–3: a write-path process killed with SIGKILL at the worst
// moments, by failpoints (config/failpoint.hpp), under a steady load.
#include <gtest/gtest.h>

#include "counts.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

TEST(Faults, WorkerKilledBeforeAnInsert) {
  write_path path("worker_before_insert");
  path.start_ingest();
  // The 5th batch read (from S3 to the INSERT) dies with its entries pending.
  auto& doomed = path.start_worker({{"TRACEPIPE_FAILPOINT", "worker.before_insert:5"}});
  path.start_load({});
  ASSERT_TRUE(killed_by_failpoint(doomed, 60s)) << "the failpoint never fired";
  path.start_worker();  // takes the dead consumer's entries over once idle
  auto c = path.finish_load();
  record("1 worker kill -9 before an insert", c);
  expect_nothing_lost(c);
}

TEST(Faults, WorkerKilledBetweenInsertAndAck) {
  write_path path("worker_before_ack");
  path.start_ingest();
  // Inserted (ClickHouse said 200) but never acknowledged: re-delivered, re-inserted, collapsed.
  auto& doomed = path.start_worker({{"TRACEPIPE_FAILPOINT", "worker.before_ack:5"}});
  path.start_load({});
  ASSERT_TRUE(killed_by_failpoint(doomed, 60s)) << "the failpoint never fired";
  path.start_worker();
  auto c = path.finish_load();
  record("2 worker kill -9 between ClickHouse 200 and XACK", c);
  expect_nothing_lost(c);
}

TEST(Faults, IngestKilledMidRequest) {
  write_path path("ingest_mid_request");
  // The 100th request dies after its runs are in Redis and before its 202:
  // that one and every other in flight get no answer, and the load (as the
  // SDKs do) sends them again once ingest is back.
  auto& doomed = path.start_ingest({{"TRACEPIPE_FAILPOINT", "ingest.before_reply:100"}});
  path.start_worker();
  path.start_load({.batch_size = 20});
  ASSERT_TRUE(killed_by_failpoint(doomed, 60s)) << "the failpoint never fired";
  path.start_ingest();
  auto c = path.finish_load();
  record("3 ingest kill -9 mid-request (clients retry)", c);
  expect_nothing_lost(c);
  EXPECT_GT(c.retries, 0u) << "requests left unanswered were sent again";
}

}  // namespace
}  // namespace tracepipe::test

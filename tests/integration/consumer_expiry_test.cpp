// Workers that come and go leave consumers in the group: a gone worker's
// entries are reclaimed by the live ones, then its empty consumer removed;
// live workers' consumers stay, however long the run (their heartbeats say
// so: Redis 7.0's idle time does not), and a drained worker leaves. Real
// Redis and ClickHouse; exact counts.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/redis_endpoint.hpp"
#include "ingest_harness.hpp"
#include "queue/standalone_consumer.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

TEST(ConsumerExpiry, AGoneWorkersConsumerIsRemovedOnceItsEntriesAreReclaimedAndLiveOnesStay) {
  auto s = sink_settings("expiry");
  s.worker.reclaim_idle = 500ms;
  s.worker.consumer_expiry = 3s;  // above reclaim_idle, as it must be
  ingest_under_test ingest(s);
  auto ops = send_runs(ingest.url(), sink_runs(40, 31));

  // A worker that took entries and died: its consumer holds 10, never acked.
  queue::consumer_options o;
  o.streams = {ingest.stream()};
  o.group = s.worker.group;
  o.consumer = "gone-0";
  queue::standalone_consumer gone(*common::parse_redis_url(s.redis.url), o);
  ASSERT_FALSE(gone.ensure_group());
  std::vector<queue::stream_message> held;
  ASSERT_FALSE(gone.read_new(10, 100ms, held));
  ASSERT_EQ(held.size(), 10u);

  expect_gone_consumer_removed(s, gone, ops, held.size());
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0) << "every entry acked and deleted";
}

TEST(ConsumerExpiry, AnExpiryNotAboveTheReclaimIdleIsRefused) {
  auto s = sink_settings("expiry_refused");
  s.worker.reclaim_idle = 60s;
  s.worker.consumer_expiry = 30s;
  sink::worker w(s);
  try {
    w.start();
    FAIL() << "started";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("worker.consumer_expiry (30000 ms) must be above worker.reclaim_idle"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::test

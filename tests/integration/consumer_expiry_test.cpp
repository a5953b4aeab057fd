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
  // Above the longest flush here (S3 puts of large payloads to s3rver take
  // a second or more): a heartbeat is renewed between flushes.
  s.worker.consumer_expiry = 3s;
  s.worker.pipelines = 2;
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

  auto s1 = s, s2 = s;
  s1.worker.consumer = "w1";
  s2.worker.consumer = "w2";
  sink::worker w1(s1), w2(s2);
  w1.start();
  w2.start();
  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, 60s)) << ch.distinct_ops() << " of " << ops;
  const std::vector<std::string> live{"w1-0", "w1-1", "w2-0", "w2-1"};
  ASSERT_TRUE(eventually([&] { return consumer_names(gone) == live; }, 30s))
      << "gone-0 removed once its entries were reclaimed: " << ::testing::PrintToString(consumer_names(gone));
  // Idle past the expiry (nothing more to read), live consumers still do
  // not look gone, even to the other worker: their heartbeats.
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(consumer_names(gone), live);
  w1.stop();
  w2.stop();
  EXPECT_EQ(consumer_names(gone), std::vector<std::string>{}) << "a drained worker leaves the group";
  // Both workers may see gone-0 in the same round and each remove it.
  auto removed = w1.metrics().consumers_removed + w2.metrics().consumers_removed;
  EXPECT_GE(removed, 1u);
  EXPECT_LE(removed, 2u);
  EXPECT_GE(w1.metrics().reclaimed + w2.metrics().reclaimed, 10u);
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
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

// The read store ingest answers its read calls with, against the real
// ClickHouse: once stopped it never calls back, and holds no callback (each
// holds an HTTP session, whose socket must go before ingest's io_context).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "read/clickhouse_reads.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

TEST(ReadStore, AfterStopNoCallbackRunsAndNoneIsHeld) {
  auto s = sink_settings("read_store");
  s.ingest.read_concurrency = 1;
  {
    sink::worker worker(s);
    worker.start();  // creates the schema the reads ask
  }
  read::clickhouse_reads reads(s);
  auto session = std::make_shared<int>(0);  // stands for the session each callback keeps alive
  std::atomic<int> answered{0};
  std::atomic<bool> stopped{false};
  std::atomic<int> after_stop{0};
  constexpr int asked = 200;
  for (int i = 0; i < asked; ++i)
    reads.read(ingest::read_call{ingest::run_lookup{"0b5e1d1e-0000-4000-8000-000000000001"}, "t", ""},
               [session, &answered, &stopped, &after_stop](ingest::read_reply reply) {
                 EXPECT_EQ(reply.status, 404u) << reply.body;
                 ++answered;
                 if (stopped) ++after_stop;
               });
  reads.stop();
  stopped = true;
  EXPECT_EQ(session.use_count(), 1) << "every callback answered or dropped";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(after_stop.load(), 0);
  EXPECT_LT(answered.load(), asked) << "one thread cannot have answered " << asked << " reads before the stop";
  reads.read(ingest::read_call{ingest::run_lookup{"0b5e1d1e-0000-4000-8000-000000000001"}, "t", ""},
             [session](ingest::read_reply) { ADD_FAILURE() << "a read after the stop was answered"; });
  EXPECT_EQ(session.use_count(), 1) << "a read after the stop is dropped at once";
}

}  // namespace
}  // namespace tracepipe::test

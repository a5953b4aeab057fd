// The batcher: flush on rows, on bytes or on the age of the oldest row,
// whichever comes first, with time scripted by the test.
// The header comes first: it must compile on its own.
#include "sink/batcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace tracepipe::sink {
namespace {

using namespace std::chrono_literals;
using clock_type = batcher<int>::clock;

/// A fixed origin: the batcher only ever compares time points it was given.
const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

TEST(sink_batcher, empty_batch_is_never_due) {
  batcher<int> b({.rows = 1, .bytes = 1, .age = 0ms});
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_FALSE(b.due(t0));
  EXPECT_FALSE(b.due(t0 + 24h));
  EXPECT_TRUE(b.take().empty());
  EXPECT_FALSE(b.due(t0 + 48h));
}

TEST(sink_batcher, flushes_on_rows) {
  batcher<int> b({.rows = 3, .bytes = 1 << 20, .age = 1000ms});
  b.push(1, 10, t0);
  b.push(2, 10, t0);
  EXPECT_FALSE(b.due(t0));
  b.push(3, 10, t0);
  EXPECT_TRUE(b.due(t0)) << "3 rows reach the row limit at once";
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.bytes(), 30u);
}

TEST(sink_batcher, flushes_on_bytes) {
  batcher<std::string> b({.rows = 100, .bytes = 1000, .age = 1000ms});
  b.push("a", 600, t0);
  EXPECT_FALSE(b.due(t0));
  b.push("b", 399, t0);
  EXPECT_FALSE(b.due(t0)) << "999 bytes < 1000";
  b.push("c", 1, t0);
  EXPECT_TRUE(b.due(t0)) << "exactly the byte limit is due";
  EXPECT_EQ(b.bytes(), 1000u);
  EXPECT_EQ(b.size(), 3u);
}

TEST(sink_batcher, one_oversized_row_is_due_alone) {
  batcher<int> b({.rows = 100, .bytes = 1000, .age = 1000ms});
  b.push(1, 5000, t0);
  EXPECT_TRUE(b.due(t0));
}

TEST(sink_batcher, flushes_on_age_of_the_oldest_row) {
  batcher<int> b({.rows = 100, .bytes = 1 << 20, .age = 250ms});
  b.push(1, 1, t0);
  EXPECT_FALSE(b.due(t0));
  EXPECT_FALSE(b.due(t0 + 100ms));
  // A later row does not restart the clock: the oldest row's age counts.
  b.push(2, 1, t0 + 200ms);
  EXPECT_FALSE(b.due(t0 + 249ms));
  EXPECT_FALSE(b.due(t0 + 249999us));
  EXPECT_TRUE(b.due(t0 + 250ms));
  EXPECT_TRUE(b.due(t0 + 10s));
}

TEST(sink_batcher, age_counts_from_the_oldest_birth_not_from_the_push) {
  batcher<int> b({.rows = 100, .bytes = 1 << 20, .age = 1000ms});
  // Read at t0 + 500ms, a row that waited 300 ms in the queue.
  b.push(1, 1, t0 + 200ms);
  EXPECT_EQ(b.until_due(t0 + 500ms), 700ms);
  // A row read later but born earlier makes the batch older.
  b.push(2, 1, t0 - 400ms);
  EXPECT_FALSE(b.due(t0 + 599ms));
  EXPECT_TRUE(b.due(t0 + 600ms));
  // A younger row changes nothing.
  b.push(3, 1, t0 + 550ms);
  EXPECT_TRUE(b.due(t0 + 600ms));
  // Born longer ago than the age: due as soon as it is read.
  batcher<int> late({.rows = 100, .bytes = 1 << 20, .age = 1000ms});
  late.push(1, 1, t0 - 5s);
  EXPECT_TRUE(late.due(t0));
  EXPECT_EQ(late.until_due(t0), 0ms);
}

TEST(sink_batcher, whichever_limit_comes_first) {
  const batch_limits limits{.rows = 4, .bytes = 100, .age = 500ms};
  {  // rows first
    batcher<int> b(limits);
    for (int i = 0; i < 4; ++i) b.push(i, 1, t0 + std::chrono::milliseconds(i));
    EXPECT_TRUE(b.due(t0 + 3ms));
  }
  {  // bytes first
    batcher<int> b(limits);
    b.push(0, 60, t0);
    b.push(1, 60, t0 + 1ms);
    EXPECT_EQ(b.size(), 2u);
    EXPECT_TRUE(b.due(t0 + 1ms));
  }
  {  // age first
    batcher<int> b(limits);
    b.push(0, 1, t0);
    EXPECT_FALSE(b.due(t0 + 499ms));
    EXPECT_TRUE(b.due(t0 + 500ms));
    EXPECT_EQ(b.size(), 1u);
  }
}

TEST(sink_batcher, room_counts_down_to_zero) {
  batcher<int> b({.rows = 3, .bytes = 1 << 20, .age = 1s});
  EXPECT_EQ(b.room(), 3u);
  b.push(1, 1, t0);
  EXPECT_EQ(b.room(), 2u);
  b.push(2, 1, t0);
  EXPECT_EQ(b.room(), 1u);
  b.push(3, 1, t0);
  EXPECT_EQ(b.room(), 0u);
  // Pushing past the limit (a caller that ignored room()) never wraps around.
  b.push(4, 1, t0);
  EXPECT_EQ(b.room(), 0u);
  EXPECT_EQ(b.size(), 4u);
  b.take();
  EXPECT_EQ(b.room(), 3u);
}

TEST(sink_batcher, until_due_counts_down_the_age) {
  batcher<int> b({.rows = 100, .bytes = 1 << 20, .age = 1000ms});
  // Empty: nothing is waiting, so a reader may block for a whole age.
  EXPECT_EQ(b.until_due(t0), 1000ms);
  b.push(1, 1, t0);
  EXPECT_EQ(b.until_due(t0), 1000ms);
  EXPECT_EQ(b.until_due(t0 + 300ms), 700ms);
  b.push(2, 1, t0 + 900ms);  // the oldest row sets the deadline
  EXPECT_EQ(b.until_due(t0 + 900ms), 100ms);
  // Partial milliseconds round up, so a wait of until_due() always reaches the deadline.
  EXPECT_EQ(b.until_due(t0 + 999500us), 1ms);
  EXPECT_EQ(b.until_due(t0 + 1000ms), 0ms);
  EXPECT_EQ(b.until_due(t0 + 5s), 0ms) << "never negative";
  EXPECT_TRUE(b.due(t0 + 1000ms));
}

TEST(sink_batcher, flush_starts_early_by_what_recent_flushes_took) {
  batcher<int> b({.rows = 1000, .bytes = 1 << 20, .age = 2000ms});
  EXPECT_EQ(b.lead(), 0ms);
  b.flushed_in(600ms);
  EXPECT_EQ(b.lead(), 600ms);
  b.push(1, 1, t0);
  EXPECT_FALSE(b.due(t0 + 1399ms));
  EXPECT_TRUE(b.due(t0 + 1400ms)) << "age 2 s less a 600 ms flush: acked ~2 s after birth";
  EXPECT_EQ(b.until_due(t0), 1400ms);
  b.take();
  EXPECT_EQ(b.until_due(t0), 1400ms) << "empty: a whole (led) age to wait for the first row";
}

TEST(sink_batcher, lead_rises_at_once_decays_slowly_and_stays_under_half_the_age) {
  batcher<int> b({.rows = 1000, .bytes = 1 << 20, .age = 2000ms});
  b.flushed_in(500ms);
  b.flushed_in(100ms);
  EXPECT_EQ(b.lead(), 450ms) << "a quick flush takes a tenth off";
  b.flushed_in(100ms);
  EXPECT_EQ(b.lead(), 405ms);
  b.flushed_in(800ms);
  EXPECT_EQ(b.lead(), 800ms) << "a slow one counts at once";
  b.flushed_in(30s);
  EXPECT_EQ(b.lead(), 1000ms) << "an outage's retries: capped at half the age";
  b.push(1, 1, t0);
  EXPECT_FALSE(b.due(t0 + 999ms));
  EXPECT_TRUE(b.due(t0 + 1000ms));
}

TEST(sink_batcher, a_small_lead_still_decays_to_nothing) {
  batcher<int> b({.rows = 1000, .bytes = 1 << 20, .age = 2000ms});
  b.flushed_in(5ms);
  for (int i = 0; i < 5; ++i) b.flushed_in(0ms);
  EXPECT_EQ(b.lead(), 0ms) << "a tenth of 5 ms rounds to 0; the decay must still move";
}

TEST(sink_batcher, until_due_is_zero_when_due_by_rows_or_bytes) {
  // The worker loop blocks in read_new for until_due() while room() > 0: a
  // batch already due by bytes (e.g. after a reclaim) must not wait for its age.
  batcher<int> by_bytes({.rows = 100, .bytes = 10, .age = 1000ms});
  by_bytes.push(1, 10, t0);
  ASSERT_TRUE(by_bytes.due(t0));
  EXPECT_GT(by_bytes.room(), 0u);
  EXPECT_EQ(by_bytes.until_due(t0), 0ms);
  batcher<int> by_rows({.rows = 1, .bytes = 1000, .age = 1000ms});
  by_rows.push(1, 1, t0);
  ASSERT_TRUE(by_rows.due(t0));
  EXPECT_EQ(by_rows.until_due(t0), 0ms);
  // Below both limits only the age counts.
  batcher<int> neither({.rows = 2, .bytes = 1000, .age = 1000ms});
  neither.push(1, 999, t0);
  EXPECT_EQ(neither.until_due(t0 + 250ms), 750ms);
}

TEST(sink_batcher, take_returns_rows_in_order_and_resets) {
  batcher<std::string> b({.rows = 10, .bytes = 100, .age = 100ms});
  b.push("first", 40, t0);
  b.push("second", 70, t0 + 10ms);
  ASSERT_TRUE(b.due(t0 + 10ms));
  auto rows = b.take();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], "first");
  EXPECT_EQ(rows[1], "second");
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_FALSE(b.due(t0 + 1h));
  EXPECT_EQ(b.until_due(t0 + 1h), 100ms);

  // The next batch's age counts from its own first row, not the old one.
  b.push("third", 1, t0 + 1h);
  EXPECT_FALSE(b.due(t0 + 1h + 99ms));
  EXPECT_EQ(b.until_due(t0 + 1h + 40ms), 60ms);
  EXPECT_TRUE(b.due(t0 + 1h + 100ms));
  EXPECT_EQ(b.bytes(), 1u) << "byte count restarted from zero";
  auto again = b.take();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], "third");
}

TEST(sink_batcher, move_only_items) {
  batcher<std::unique_ptr<int>> b({.rows = 2, .bytes = 100, .age = 1s});
  b.push(std::make_unique<int>(7), 4, t0);
  b.push(std::make_unique<int>(8), 4, t0);
  ASSERT_TRUE(b.due(t0));
  auto rows = b.take();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[0], 7);
  EXPECT_EQ(*rows[1], 8);
}

}  // namespace
}  // namespace tracepipe::sink

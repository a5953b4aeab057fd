// The backoff every sink retry shares: exponential, capped, jittered in
// [ceiling / 2, ceiling], with the randomness injected; the shutdown deadline
// rule; and the failure counting of the simple retry loops (XACK, dead-letter
// XADD, S3 PUTs, Redis reads). Time scripted from a fixed origin.
// The header comes first: it must compile on its own.
#include "sink/retry_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>
#include <vector>

namespace tracepipe::sink {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const retry_clock::time_point t0 = retry_clock::time_point{} + 1000h;

/// Always the ceiling: the waits are then exact.
milliseconds highest(milliseconds, milliseconds hi) { return hi; }

TEST(sink_backoff_policy, ceiling_doubles_from_initial_and_caps_at_max) {
  backoff_policy b(200ms, 10s, highest);
  const milliseconds expected[] = {200ms, 400ms, 800ms, 1600ms, 3200ms, 6400ms, 10s, 10s};
  for (int attempt = 0; attempt < 8; ++attempt) EXPECT_EQ(b.ceiling(attempt), expected[attempt]) << attempt;
  EXPECT_EQ(b.ceiling(backoff_policy::longest), 10s);
  EXPECT_EQ(b.ceiling(1000), 10s) << "no overflow however long the outage";
}

TEST(sink_backoff_policy, doubling_stops_at_the_longest_attempt) {
  // A cap so high the doubling never reaches it: attempt 16 is as long as it gets.
  backoff_policy b(1ms, 24h, highest);
  EXPECT_EQ(b.ceiling(backoff_policy::longest), 65536ms);
  EXPECT_EQ(b.ceiling(backoff_policy::longest + 1), 65536ms);
  EXPECT_EQ(b.ceiling(400), 65536ms);
}

TEST(sink_backoff_policy, jitter_is_asked_for_half_the_ceiling_to_the_ceiling) {
  std::vector<std::pair<milliseconds, milliseconds>> asked;
  backoff_policy b(100ms, 1s, [&asked](milliseconds lo, milliseconds hi) {
    asked.emplace_back(lo, hi);
    return lo;
  });
  EXPECT_EQ(b.wait(0), 50ms);
  EXPECT_EQ(b.wait(2), 200ms);
  EXPECT_EQ(b.wait(9), 500ms);
  std::vector<std::pair<milliseconds, milliseconds>> expected{{50ms, 100ms}, {200ms, 400ms}, {500ms, 1000ms}};
  EXPECT_EQ(asked, expected);
}

TEST(sink_backoff_policy, uniform_jitter_stays_within_bounds_and_repeats_with_its_seed) {
  std::mt19937_64 engine(42), again(42);
  backoff_policy b(200ms, 10s, uniform_jitter(engine));
  backoff_policy replay(200ms, 10s, uniform_jitter(again));
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto cap = b.ceiling(attempt);
    milliseconds low = cap, high = 0ms;
    for (int i = 0; i < 200; ++i) {
      auto wait = b.wait(attempt);
      EXPECT_EQ(wait, replay.wait(attempt)) << "same seed, same waits";
      low = std::min(low, wait);
      high = std::max(high, wait);
    }
    EXPECT_GE(low, cap / 2) << attempt;
    EXPECT_LE(high, cap) << attempt;
    EXPECT_LT(low, high) << "spread, not one value: pipelines come back out of step";
  }
}

TEST(sink_backoff_policy, a_one_millisecond_ceiling_may_wait_nothing) {
  backoff_policy b(1ms, 1ms, highest);
  EXPECT_EQ(b.ceiling(0), 1ms);
  EXPECT_EQ(b.wait(0), 1ms);
  backoff_policy lowest(1ms, 1ms, [](milliseconds lo, milliseconds) { return lo; });
  EXPECT_EQ(lowest.wait(5), 0ms) << "half of 1 ms rounds down, as before";
}

TEST(sink_past_deadline, is_strictly_after_it) {
  EXPECT_FALSE(past_deadline(t0, t0));
  EXPECT_TRUE(past_deadline(t0 + 1ns, t0));
  EXPECT_FALSE(past_deadline(t0 + 100h, retry_clock::time_point::max())) << "no stop requested: no deadline";
}

TEST(sink_retry_loop, waits_grow_per_failure_and_a_success_starts_over) {
  backoff_policy b(100ms, 1s, highest);
  retry_loop retry(b);
  EXPECT_EQ(retry.failures(), 0);
  EXPECT_EQ(retry.failed(t0), t0 + 100ms);
  EXPECT_EQ(retry.failures(), 1);
  EXPECT_EQ(retry.failed(t0 + 100ms), t0 + 300ms);
  EXPECT_EQ(retry.failed(t0 + 300ms), t0 + 700ms);
  EXPECT_EQ(retry.failed(t0 + 700ms), t0 + 1500ms);
  EXPECT_EQ(retry.failed(t0 + 1500ms), t0 + 2500ms) << "capped at 1 s";
  EXPECT_EQ(retry.failures(), 5);
  retry.succeeded();
  EXPECT_EQ(retry.failures(), 0);
  EXPECT_EQ(retry.failed(t0 + 10s), t0 + 10100ms) << "the next outage starts from the shortest wait";
}

TEST(sink_retry_loop, loops_share_one_policy_but_count_their_own_failures) {
  backoff_policy b(100ms, 1s, highest);
  retry_loop ack(b), dead_letter(b);
  ack.failed(t0);
  ack.failed(t0);
  EXPECT_EQ(dead_letter.failed(t0), t0 + 100ms);
  EXPECT_EQ(ack.failed(t0), t0 + 400ms);
}

}  // namespace
}  // namespace tracepipe::sink

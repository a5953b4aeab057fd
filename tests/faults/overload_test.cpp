// Scenario 8: twice the rate the sink drains, for 30 s. Ingest must refuse
// (429 + Retry-After) instead of absorbing: the queue stays near its
// watermark, ingest's memory stays bounded, nothing acknowledged is lost.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "counts.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::uint64_t watermark = 20'000;          // entries in the stream → 429
constexpr std::uint64_t rss_ceiling = 256ull << 20;  // ingest's peak resident memory

TEST(Faults, OverloadAtTwiceTheSustainableRate) {
  write_path path("overload");
  auto& ingest = path.start_ingest({}, {"--queue-high-watermark", std::to_string(watermark), "--retry-after", "1"});
  auto stream = "fault:overload:{0}";

  // The sustainable rate: fill the queue with no worker, then time one
  // worker (one pipeline) draining it.
  path.start_load({.rate = 10'000, .duration = "3s", .reconcile_timeout = "0", .extra = {"--probe-rate", "0"}});
  path.finish_load();
  auto queued = std::stoull(redis_command({"XLEN", stream}));
  ASSERT_GT(queued, watermark / 2);
  path.start_worker({}, {"--pipelines", "1"});
  auto t0 = clock_type::now();
  while (std::stoull(redis_command({"XLEN", stream})) > 0 && clock_type::now() - t0 < 120s)
    std::this_thread::sleep_for(20ms);
  double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  ASSERT_EQ(redis_command({"XLEN", stream}), "0") << "the worker did not drain " << queued << " entries in 120 s";
  double drained_ops = static_cast<double>(queued) / seconds;
  // Two operations (post, patch) per run: offering drained_ops runs/s is twice what the worker takes.
  double rate = drained_ops;
  std::cout << fmt::format("overload: one worker drained {} operations in {:.1f} s ({:.0f}/s); offering {:.0f} runs/s\n",
                           queued, seconds, drained_ops, rate);

  path.start_load({.rate = rate, .duration = "30s"});
  auto c = path.finish_load();
  auto peak = peak_rss_bytes(ingest.pid());
  record(fmt::format("8 overload 30 s at 2x the drain rate ({:.0f} runs/s offered), ingest peak RSS {} MiB", rate,
                     peak >> 20),
         c);
  expect_nothing_lost(c);
  EXPECT_GT(c.rejected_429, 0u) << "ingest refused the excess";
  EXPECT_GT(c.retries, 0u) << "the load honoured Retry-After and sent again";
  EXPECT_FALSE(ingest.wait_exit(0ms)) << "ingest is still up";
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, rss_ceiling) << "ingest's memory is bounded";
}

}  // namespace
}  // namespace tracepipe::test

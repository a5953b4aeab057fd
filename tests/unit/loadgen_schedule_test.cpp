#include "loadgen/schedule.hpp"
#include "config/units.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace tracepipe::loadgen {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

/// N(t), the requests owed by t, integrated independently in long double.
long double owed(const std::vector<stage>& stages, nanoseconds t) {
  long double total = 0, from = 0, start = 0, at = static_cast<long double>(t.count()) / 1e9L;
  for (const auto& s : stages) {
    long double d = static_cast<long double>(s.duration.count()) / 1e9L, to = s.target;
    long double tau = std::clamp(at - start, 0.0L, d);
    if (d > 0) total += from * tau + (to - from) * tau * tau / (2 * d);
    start += d;
    from = to;
  }
  return total;
}

/// Checks a schedule against the integral: N(t_n) = n (to the slope of one
/// nanosecond), t_n non-decreasing, the count is ceil(N(total)).
void expect_matches_integral(const schedule& plan, const std::vector<stage>& stages) {
  long double requests = owed(stages, plan.total());
  ASSERT_EQ(plan.total_requests(), static_cast<std::uint64_t>(std::ceil(requests - 1e-9L)));
  nanoseconds previous{0};
  for (std::uint64_t n = 0; n < plan.total_requests(); ++n) {
    auto t = plan.intended(n);
    ASSERT_TRUE(t) << n;
    ASSERT_GE(*t, previous) << n;
    ASSERT_LE(*t, plan.total()) << n;
    // One nanosecond either way brackets n (the rounding is to the nearest ns).
    long double before = owed(stages, *t - 1ns), after = owed(stages, *t + 1ns);
    ASSERT_LE(before, n + 1e-6L) << n << " at " << t->count();
    ASSERT_GE(after, n - 1e-6L) << n << " at " << t->count();
    previous = *t;
  }
  EXPECT_FALSE(plan.intended(plan.total_requests()));
}

TEST(loadgen_schedule, constant_rate_spacing_is_exact) {
  auto plan = schedule::constant(500, 10s);
  EXPECT_EQ(plan.total(), 10s);
  EXPECT_EQ(plan.total_requests(), 5000u);
  for (std::uint64_t n = 0; n < 5000; ++n) ASSERT_EQ(plan.intended(n), nanoseconds(n * 2'000'000)) << n;
  EXPECT_FALSE(plan.intended(5000));
  EXPECT_EQ(plan.rate_at(0s), 500);
  EXPECT_EQ(plan.rate_at(9999ms), 500);
  EXPECT_EQ(plan.rate_at(10s), 0);
  EXPECT_EQ(plan.rate_at(-1ns), 0);
}

TEST(loadgen_schedule, constant_rate_count_within_duration_is_exact) {
  struct example {
    double rate;
    nanoseconds duration;
    std::uint64_t requests;  // n / rate < duration
  };
  for (auto [rate, duration, requests] : {example{3, 10s, 30}, example{7, 1s, 7}, example{0.5, 3s, 2},
                                          example{1000, 10'000'500us, 10'001}, example{333.3, 3s, 1000},
                                          example{99'999, 1s, 99'999}, example{0, 1h, 0}, example{1000, 0s, 0}}) {
    auto plan = schedule::constant(rate, duration);
    EXPECT_EQ(plan.total_requests(), requests) << rate;
    for (std::uint64_t n = 0; n < requests; ++n) {
      auto expected = std::llround(static_cast<double>(n) * 1e9 / rate);
      ASSERT_EQ(plan.intended(n), nanoseconds(expected)) << rate << " " << n;
    }
    if (requests > 0) {
      EXPECT_LT(*plan.intended(requests - 1), duration);
    }
    EXPECT_FALSE(plan.intended(requests));
  }
}

TEST(loadgen_schedule, ramp_from_zero_follows_the_quadratic) {
  // 0 → 1000/s over 10 s: N(t) = 50 t², so 5000 requests, t_n = √(n / 50).
  std::vector<stage> stages = {{10s, 1000}};
  auto plan = *schedule::from_stages(stages);
  ASSERT_EQ(plan.total_requests(), 5000u);
  for (std::uint64_t n = 0; n < 5000; ++n) {
    double analytic_ns = std::sqrt(static_cast<double>(n) / 50) * 1e9;
    ASSERT_NEAR(static_cast<double>(plan.intended(n)->count()), analytic_ns, 1.0) << n;
  }
  EXPECT_EQ(plan.intended(0), 0ns);         // the ramp's start
  EXPECT_EQ(plan.intended(1), 141'421'356ns);  // √0.02 s, not 1 ms
  EXPECT_DOUBLE_EQ(plan.rate_at(5s), 500);
  expect_matches_integral(plan, stages);
}

TEST(loadgen_schedule, ramp_down_and_up_again) {
  std::vector<stage> stages = {{10s, 100}, {10s, 0}, {10s, 100}};
  auto plan = *schedule::from_stages(stages);
  EXPECT_EQ(plan.total_requests(), 1500u);
  // Request 999 solves 500 + 100τ − 5τ² = 999: τ = 10 − √20 / 10.
  EXPECT_NEAR(static_cast<double>(plan.intended(999)->count()), (20 - std::sqrt(20.0) / 10) * 1e9, 1.0);
  EXPECT_EQ(plan.intended(1000), 20s);  // where the rate, 0 at that instant, turns positive
  expect_matches_integral(plan, stages);
}

TEST(loadgen_schedule, zero_rate_pause_sends_nothing) {
  auto plan = *schedule::parse_stages("0s:100,10s:100,0s:0,5s:0,0s:100,10s:100");
  EXPECT_EQ(plan.total(), 25s);
  EXPECT_EQ(plan.total_requests(), 2000u);
  EXPECT_EQ(plan.intended(999), 9'990ms);
  EXPECT_EQ(plan.intended(1000), 15s);  // not 10 s: owed exactly at the pause's start, sent at its end
  EXPECT_EQ(plan.intended(1001), 15'010ms);
  EXPECT_EQ(plan.rate_at(12s), 0);
  EXPECT_EQ(plan.rate_at(15s), 100);
  for (std::uint64_t n = 0; n < plan.total_requests(); ++n) {
    auto t = *plan.intended(n);
    ASSERT_TRUE(t < 10s || t >= 15s) << n;
  }
}

TEST(loadgen_schedule, many_random_stages_match_the_integral) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::vector<stage> stages(1 + rng() % 30);
    for (auto& s : stages) {
      s.duration = std::chrono::milliseconds(rng() % 4 == 0 ? 0 : rng() % 2000);
      s.target = rng() % 3 == 0 ? 0 : std::uniform_real_distribution<>(0, 1000)(rng);
    }
    auto plan = schedule::from_stages(stages);
    ASSERT_TRUE(plan);
    expect_matches_integral(*plan, stages);
  }
}

TEST(loadgen_schedule, huge_n_without_drift) {
  auto plan = schedule::constant(1e6, 1'000'000s);  // 10^12 requests over 11.6 days
  ASSERT_EQ(plan.total_requests(), 1'000'000'000'000u);
  EXPECT_EQ(plan.intended(999'999'999'999), nanoseconds(999'999'999'999'000));
  EXPECT_EQ(plan.intended(123'456'789'012), nanoseconds(123'456'789'012'000));
  EXPECT_FALSE(plan.intended(1'000'000'000'000));
  EXPECT_FALSE(plan.intended(UINT64_MAX));
  auto fast = schedule::constant(schedule::max_rate, 4'000'000s);  // 4·10^15 requests, 1 ns apart
  EXPECT_EQ(fast.intended(3'999'999'999'999'999), nanoseconds(3'999'999'999'999'999));
}

TEST(loadgen_schedule, parse_stages_example) {
  auto plan = schedule::parse_stages(" 30s:500, 2m : 5000 ,30s:0 ");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->total(), 3min);
  EXPECT_EQ(plan->total_requests(), 7'500u + 330'000u + 75'000u);
  EXPECT_DOUBLE_EQ(plan->rate_at(15s), 250);
  EXPECT_DOUBLE_EQ(plan->rate_at(90s), 2750);
  EXPECT_EQ(plan->intended(7'500), 30s);
}

TEST(loadgen_schedule, parse_duration_units) {
  const std::pair<std::string, nanoseconds> cases[] = {
      {"500ms", 500ms}, {"30s", 30s}, {"2m", 2min}, {"1h", 1h}, {"1m30s", 90s}, {"1.5s", 1500ms}, {"0s", 0s},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(config::parse_duration_ns(text), expected) << text;  // the one duration grammar
}

TEST(loadgen_schedule, parse_errors_name_the_stage) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "no stages (expected e.g. '30s:500,2m:5000,30s:0')"},
      {"30s:500,2x:5000", "stage 2 '2x:5000': duration '2x': unknown unit 'x' (use ms, s, m, h)"},
      {"30s", "stage 1 '30s': expected duration:rate"},
      {"1s2:5", "stage 1 '1s2:5': duration '1s2': missing unit (use ms, s, m, h)"},
      {"-5s:1", "stage 1 '-5s:1': duration '-5s': expected a number at '-5s'"},
      {":5", "stage 1 ':5': empty duration"},
      {"1s:5,", "stage 2 '': expected duration:rate"},
      {"1s:-5", "stage 1 '1s:-5': rate '-5' must be >= 0"},
      {"1s:abc", "stage 1 '1s:abc': rate 'abc' is not a number"},
      {"1s:", "stage 1 '1s:': rate '' is not a number"},
      {"1s:inf", "stage 1 '1s:inf': rate 'inf' is not finite"},
      {"1s:2e9", "stage 1 '1s:2e9': rate '2e9' exceeds the maximum 1000000000/s"},
      {"1s:1,1000000h:1", "stage 2 '1000000h:1': duration '1000000h': longer than 100 years"},
      {"800000h:1,800000h:1", "stages last longer than 100 years in total"},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    EXPECT_FALSE(schedule::parse_stages(text, &error)) << text;
    EXPECT_EQ(error, message) << text;
  }
  std::string error;
  EXPECT_FALSE(schedule::from_stages({{1s, -1}}, &error));
  EXPECT_EQ(error, "stage 1: rate -1 must be between 0 and 1000000000");
}

TEST(loadgen_schedule, pacer_hands_out_due_requests_in_bursts) {
  const pacer::clock::time_point start{1h};
  pacer p(schedule::constant(1000, 1s), start);
  EXPECT_EQ(p.next_due(), start);
  EXPECT_EQ(p.take_due(start - 1ns).count, 0u);  // never early
  auto first = p.take_due(start);
  EXPECT_EQ(first.first, 0u);
  EXPECT_EQ(first.count, 1u);
  EXPECT_EQ(p.next_due(), start + 1ms);
  EXPECT_EQ(p.due_count(start + 10ms), 10u);
  EXPECT_EQ(p.due_count(start + 10ms, 4), 4u);
  auto behind = p.take_due(start + 10ms);  // fell behind: a burst of 10, none skipped
  EXPECT_EQ(behind.first, 1u);
  EXPECT_EQ(behind.count, 10u);
  EXPECT_EQ(p.intended_time(10), start + 10ms);
  auto capped = p.take_due(start + 500ms, 100);
  EXPECT_EQ(capped.first, 11u);
  EXPECT_EQ(capped.count, 100u);
  auto rest = p.take_due(start + 1h);
  EXPECT_EQ(rest.first, 111u);
  EXPECT_EQ(rest.count, 889u);
  EXPECT_TRUE(p.done());
  EXPECT_FALSE(p.next_due());
  EXPECT_EQ(p.take_due(start + 2h).count, 0u);
}

TEST(loadgen_schedule, pacer_loop_with_jitter_sends_each_once_never_early) {
  auto plan = *schedule::parse_stages("2s:2000,0s:0,1s:0,1s:500");
  const pacer::clock::time_point start{};
  pacer p(plan, start);
  std::mt19937_64 rng(5);
  auto now = start;
  std::uint64_t sent = 0;
  while (!p.done()) {
    now += nanoseconds(rng() % 5'000'000);  // the loop wakes up late by up to 5 ms
    auto b = p.take_due(now);
    ASSERT_EQ(b.first, sent);
    for (std::uint64_t i = b.first; i < b.first + b.count; ++i) ASSERT_LE(p.intended_time(i), now) << i;
    sent += b.count;
    if (auto due = p.next_due()) {
      ASSERT_GT(*due, now);
    }
  }
  EXPECT_EQ(sent, plan.total_requests());
  EXPECT_EQ(sent, 2000u + 250u);
}

}  // namespace
}  // namespace tracepipe::loadgen

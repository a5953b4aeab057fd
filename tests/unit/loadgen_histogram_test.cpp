#include "loadgen/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace tracepipe::loadgen {
namespace {

using rng_t = std::mt19937_64;
using sampler = std::function<std::uint64_t(rng_t&)>;

/// Latency-like distributions, in µs, all capped at one hour.
std::vector<std::pair<std::string, sampler>> distributions() {
  auto cap = [](double v) { return static_cast<std::uint64_t>(std::clamp(v, 0.0, 3.6e9)); };
  return {
      {"uniform", [cap](rng_t& rng) { return cap(std::uniform_real_distribution<>(1, 1e6)(rng)); }},
      {"small_uniform", [](rng_t& rng) { return std::uniform_int_distribution<std::uint64_t>(0, 3000)(rng); }},
      {"log_normal", [cap](rng_t& rng) { return cap(std::lognormal_distribution<>(std::log(5000), 1.0)(rng)); }},
      {"wide_log_normal", [cap](rng_t& rng) { return cap(std::lognormal_distribution<>(std::log(2000), 3.0)(rng)); }},
      {"bimodal",
       [cap](rng_t& rng) {
         bool slow = std::bernoulli_distribution(0.1)(rng);
         return cap(std::normal_distribution<>(slow ? 50'000 : 300, slow ? 5'000 : 40)(rng));
       }},
      {"constant", [](rng_t&) { return std::uint64_t{1'234'567}; }},
      {"pareto_to_one_hour",
       [cap](rng_t& rng) { return cap(100 / std::pow(1 - std::generate_canonical<double, 53>(rng), 1 / 0.7)); }},
  };
}

TEST(loadgen_histogram, layout_is_contiguous_and_within_one_percent) {
  EXPECT_EQ(histogram::index_of(0), 0u);
  EXPECT_EQ(histogram::index_of(255), 255u);
  EXPECT_EQ(histogram::index_of(UINT64_MAX), histogram::bucket_count - 1);
  EXPECT_EQ(histogram::highest_equivalent(histogram::bucket_count - 1), UINT64_MAX);
  for (std::size_t i = 0; i < histogram::bucket_count; ++i) {
    auto lo = histogram::lowest_equivalent(i), hi = histogram::highest_equivalent(i);
    ASSERT_EQ(histogram::index_of(lo), i);
    ASSERT_EQ(histogram::index_of(hi), i);
    if (i + 1 < histogram::bucket_count) {
      ASSERT_EQ(hi + 1, histogram::lowest_equivalent(i + 1)) << i;
    }
    if (lo > 0) {
      ASSERT_LE(static_cast<double>(hi - lo) / static_cast<double>(lo), 1.0 / 128) << i;
    }
  }
  EXPECT_LE(histogram::bucket_count * sizeof(std::uint64_t), 60u * 1024);
}

TEST(loadgen_histogram, empty_answers_zero) {
  histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  for (double q : {0.0, 0.5, 0.99, 1.0}) EXPECT_EQ(h.quantile(q), 0u);
  EXPECT_EQ(h.to_text(), "tphist1 bits=7 count=0 min=0 max=0 sum=0 buckets=");
  EXPECT_EQ(histogram::from_text(h.to_text()), h);
}

TEST(loadgen_histogram, edge_values) {
  histogram h;
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, UINT64_MAX}) h.record(v);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.quantile(0), 0u);
  EXPECT_EQ(h.quantile(0.5), 1u);
  EXPECT_EQ(h.quantile(1), UINT64_MAX);
  EXPECT_DOUBLE_EQ(h.mean(), (static_cast<double>(UINT64_MAX) + 1) / 3);
  EXPECT_EQ(histogram::from_text(h.to_text()), h);  // the 128-bit sum survives
  h.reset();
  EXPECT_EQ(h, histogram());
}

TEST(loadgen_histogram, quantile_rank_is_ceiling_with_tolerance) {
  EXPECT_EQ(quantile_rank(0.07, 100), 7u);  // 0.07 * 100 is 7.000000000000001 in double
  EXPECT_EQ(quantile_rank(0.5, 3), 2u);
  EXPECT_EQ(quantile_rank(0.0, 10), 1u);
  EXPECT_EQ(quantile_rank(1.0, 10), 10u);
  EXPECT_EQ(quantile_rank(2.0, 10), 10u);
  EXPECT_EQ(quantile_rank(std::nan(""), 10), 1u);
  EXPECT_EQ(quantile_rank(0.5, 0), 0u);
}

/// Every quantile is at or above the exact one and within 1/128 of it, over
/// many distributions, sizes and seeds; count, min, max and mean are exact.
TEST(loadgen_histogram, quantiles_within_one_percent_of_exact) {
  std::vector<double> qs = {0, 1e-4, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1};
  double worst = 0;
  std::string worst_where;
  for (const auto& [name, sample] : distributions()) {
    for (std::size_t n : {1, 2, 7, 100, 1'000, 100'000}) {
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        std::mt19937_64 rng(seed * 1000 + n);
        std::vector<std::uint64_t> values(n);
        histogram h;
        unsigned __int128 sum = 0;
        for (auto& v : values) {
          v = sample(rng);
          h.record(v);
          sum += v;
        }
        std::sort(values.begin(), values.end());
        ASSERT_EQ(h.count(), n);
        ASSERT_EQ(h.min(), values.front());
        ASSERT_EQ(h.max(), values.back());
        ASSERT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(n));
        auto all_qs = qs;
        for (int i = 0; i < 50; ++i) all_qs.push_back(std::uniform_real_distribution<>(0, 1)(rng));
        for (double q : all_qs) {
          std::uint64_t exact = values[quantile_rank(q, n) - 1], got = h.quantile(q);
          ASSERT_GE(got, exact) << name << " n=" << n << " q=" << q;
          auto err = static_cast<double>(got - exact) / static_cast<double>(std::max<std::uint64_t>(exact, 1));
          ASSERT_LE(err, 1.0 / 128) << name << " n=" << n << " q=" << q << " exact=" << exact << " got=" << got;
          if (err > worst) {
            worst = err;
            worst_where = name + " n=" + std::to_string(n) + " q=" + std::to_string(q);
          }
        }
        EXPECT_EQ(h.quantile(1), values.back());
      }
    }
  }
  std::cout << "[ worst    ] relative error " << worst * 100 << "% (" << worst_where << ")\n";
}

TEST(loadgen_histogram, merge_equals_recording_everything_in_one) {
  for (const auto& [name, sample] : distributions()) {
    std::mt19937_64 rng(42);
    histogram parts[3], all;
    for (int i = 0; i < 20'000; ++i) {
      auto v = sample(rng);
      all.record(v);
      parts[rng() % 3].record(v);
    }
    histogram merged;
    for (const auto& p : parts) merged.merge(p);
    EXPECT_EQ(merged, all) << name;
    merged.merge(histogram());  // merging an empty one changes nothing
    EXPECT_EQ(merged, all) << name;
    // Shipped as text between machines, then merged: still exact.
    histogram remote;
    for (const auto& p : parts) remote.merge(*histogram::from_text(p.to_text()));
    EXPECT_EQ(remote, all) << name;
  }
}

TEST(loadgen_histogram, text_round_trip_is_exact_and_compact) {
  for (const auto& [name, sample] : distributions()) {
    std::mt19937_64 rng(7);
    histogram h;
    for (int i = 0; i < 100'000; ++i) h.record(sample(rng));
    std::string text = h.to_text(), error;
    auto back = histogram::from_text(text, &error);
    ASSERT_TRUE(back) << name << ": " << error;
    EXPECT_EQ(*back, h) << name;
    EXPECT_EQ(back->to_text(), text);
    EXPECT_LT(text.size(), 30'000u) << name;  // at most a few thousand non-zero buckets
  }
}

TEST(loadgen_histogram, from_text_rejects_damaged_input) {
  histogram h;
  h.record(5);
  h.record(1000, 2);
  ASSERT_EQ(h.to_text(), "tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1,506:2");
  const std::pair<std::string, std::string> cases[] = {
      {"tphist2 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1,506:2", "expected version tag 'tphist1'"},
      {"tphist1 bits=8 count=3 min=5 max=1000 sum=2005 buckets=5:1,506:2", "layout bits=8, this build uses 7"},
      {"tphist1 bits=7 count=4 min=5 max=1000 sum=2005 buckets=5:1,506:2", "buckets hold 3 samples, count says 4"},
      {"tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=506:2,5:1", "bucket 5 out of order or empty"},
      {"tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1,506:2,", "expected ',' after bucket 506"},
      {"tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1,9999:2", "bucket 9999 out of order or empty"},
      {"tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1;506:2", "expected ',' after bucket 5"},
      {"tphist1 bits=7 count=3 min=6 max=1000 sum=2005 buckets=5:1,506:2",
       "min or max does not match the outermost buckets"},
      {"tphist1 bits=7 count=3 min=5 max=1000 sum=2005 buckets=5:1,506:x", "bad bucket entry '506:x'"},
      {"tphist1 bits=7 count=99999999999999999999 min=5", "bad or missing 'count'"},
      {"tphist1 bits=7 count=3 min=5 max=1000 buckets=5:1,506:2", "bad or missing 'sum'"},
      {"tphist1 bits=7 count=0 min=0 max=1 sum=0 buckets=", "empty histogram with non-zero min, max or sum"},
  };
  for (const auto& [text, why] : cases) {
    std::string error;
    EXPECT_FALSE(histogram::from_text(text, &error)) << text;
    EXPECT_EQ(error, "histogram text: " + why) << text;
  }
}

TEST(loadgen_histogram, record_with_count_equals_repeated_records) {
  histogram once, repeated;
  once.record(777, 5);
  once.record(3, 0);  // no sample
  for (int i = 0; i < 5; ++i) repeated.record(777);
  EXPECT_EQ(once, repeated);
}

/// HdrHistogram's recordValueWithExpectedInterval, sample by sample.
histogram naive_corrected(std::uint64_t value, std::uint64_t interval) {
  histogram h;
  h.record(value);
  if (interval == 0) return h;
  for (std::uint64_t missing = value - std::min(value, interval); missing >= interval; missing -= interval)
    h.record(missing);
  return h;
}

TEST(loadgen_histogram, record_corrected_matches_hdr_histogram) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2'000; ++i) {
    std::uint64_t value = rng() % 200'000, interval = rng() % 5'000;
    if (i % 10 == 0) interval = value / (1 + rng() % 3);  // near the boundaries
    histogram h;
    h.record_corrected(value, interval);
    ASSERT_EQ(h, naive_corrected(value, interval)) << value << " / " << interval;
  }
  histogram accumulated, expected;
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> stalls = {
      {10'000, 1'000}, {50, 1'000}, {999, 1'000}, {2'000, 1'000}, {0, 0}};
  for (auto [v, i] : stalls) {
    accumulated.record_corrected(v, i);
    expected.merge(naive_corrected(v, i));
  }
  EXPECT_EQ(accumulated, expected);
}

TEST(loadgen_histogram, record_corrected_cost_is_bounded_by_buckets) {
  // A one-hour stall with a 1 µs interval: 3.6e9 implied samples, recorded
  // bucket by bucket.
  histogram h;
  constexpr std::uint64_t stall = 3'600'000'000;
  h.record_corrected(stall, 1);
  EXPECT_EQ(h.count(), stall);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), stall);
  EXPECT_DOUBLE_EQ(h.mean(), (stall + 1) / 2.0);
  double median = static_cast<double>(h.quantile(0.5));
  EXPECT_NEAR(median, stall / 2.0, stall / 2.0 / 128);
}

}  // namespace
}  // namespace tracepipe::loadgen

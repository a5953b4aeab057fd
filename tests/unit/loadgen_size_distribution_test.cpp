// The generator's distributions: sizes (fixed, uniform, log-normal, mix),
// counts per trace, run types. Errors name the bad part; seeded draws land
// where they should.
#include "loadgen/size_distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "loadgen/trace_mix.hpp"

namespace tracepipe::loadgen {
namespace {

std::string size_error(std::string_view text) {
  std::string why;
  EXPECT_FALSE(size_distribution::parse(text, &why)) << text;
  return why;
}

std::vector<std::size_t> draws(const size_distribution& d, int n, std::uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = d.sample(rng);
  return out;
}

size_distribution parsed(std::string_view text) {
  std::string why;
  auto d = size_distribution::parse(text, &why);
  EXPECT_TRUE(d) << text << ": " << why;
  return d ? *d : size_distribution::fixed(0);
}

TEST(loadgen_size_distribution, units_are_the_config_files_ones) {
  EXPECT_EQ(draws(parsed("300"), 1)[0], 300u);
  EXPECT_EQ(draws(parsed("300B"), 1)[0], 300u);
  EXPECT_EQ(draws(parsed("2KB"), 1)[0], 2000u);
  EXPECT_EQ(draws(parsed("2KiB"), 1)[0], 2048u);
  EXPECT_EQ(draws(parsed("1.5KiB"), 1)[0], 1536u);
  EXPECT_EQ(draws(parsed(" 1MB "), 1)[0], 1000000u);
  EXPECT_EQ(draws(parsed("1MiB"), 1)[0], 1048576u);
  EXPECT_EQ(parsed(" 80%:1KB, 20%:2KB ").text(), "80%:1KB, 20%:2KB");
  EXPECT_EQ(size_distribution::fixed(200).text(), "200");
}

TEST(loadgen_size_distribution, errors_name_the_bad_part) {
  EXPECT_NE(size_error("20XB").find("'20XB' is not a size"), std::string::npos);
  EXPECT_EQ(size_error("80%:1KB,19%:20XB,1%:1MB"), "in '19%:20XB': '20XB' is not a size (512, 512B, 20KB, 1.5MiB)");
  EXPECT_NE(size_error("80%:1KB,10%:20KB").find("sum to 90, not 100"), std::string::npos);
  EXPECT_NE(size_error("80:1KB,20%:2KB").find("'80:1KB' is not PERCENT%:SIZE"), std::string::npos);
  EXPECT_NE(size_error("80%1KB,20%:2KB").find("'80%1KB'"), std::string::npos);
  EXPECT_NE(size_error("-5%:1KB,105%:2KB").find("'-5%:1KB'"), std::string::npos);
  EXPECT_NE(size_error("20KB-1KB").find("'20KB-1KB': the range's MIN is above its MAX"), std::string::npos);
  EXPECT_NE(size_error("1KB-").find("'' is not a size"), std::string::npos);
  EXPECT_NE(size_error("2GiB").find("'2GiB' is over the 1GiB limit"), std::string::npos);
  EXPECT_NE(size_error("").find("empty"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2KB").find("needs median=SIZE and sigma=NUMBER"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2KB,sigma=x").find("sigma 'x'"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2KB,sigma=9").find("sigma '9'"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2QB,sigma=1").find("'2QB'"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2KB,sigma=1,mean=3").find("'mean=3'"), std::string::npos);
  EXPECT_NE(size_error("lognormal:median=2KB,sigma=1,max=1KB").find("max is below the median"), std::string::npos);
}

TEST(loadgen_size_distribution, mix_proportions_hold_over_20k_draws) {
  auto d = parsed("80%:1KB,19%:20KB,1%:1MB");
  std::map<std::size_t, int> seen;
  for (auto v : draws(d, 20000)) ++seen[v];
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NEAR(seen[1000] / 20000.0, 0.80, 0.02);
  EXPECT_NEAR(seen[20000] / 20000.0, 0.19, 0.02);
  EXPECT_NEAR(seen[1000000] / 20000.0, 0.01, 0.004);
  EXPECT_DOUBLE_EQ(d.mean(), 0.8 * 1000 + 0.19 * 20000 + 0.01 * 1e6);
}

TEST(loadgen_size_distribution, mix_bands_may_be_ranges) {
  auto d = parsed("50%:1KB-2KB,50%:10KB");
  int in_range = 0, fixed = 0;
  for (auto v : draws(d, 20000)) {
    if (v >= 1000 && v <= 2000) ++in_range;
    else if (v == 10000) ++fixed;
    else ADD_FAILURE() << v;
  }
  EXPECT_NEAR(in_range / 20000.0, 0.5, 0.02);
  EXPECT_EQ(in_range + fixed, 20000);
}

TEST(loadgen_size_distribution, uniform_covers_its_range_evenly) {
  auto v = draws(parsed("1KB-20KB"), 20000);
  EXPECT_EQ(*std::min_element(v.begin(), v.end()) >= 1000, true);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()) <= 20000, true);
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  EXPECT_NEAR(mean, 10500, 10500 * 0.02);
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(static_cast<double>(v[v.size() / 10]), 1000 + 19000 * 0.1, 19000 * 0.02);  // p10
}

TEST(loadgen_size_distribution, lognormal_median_and_spread) {
  auto v = draws(parsed("lognormal:median=2KB,sigma=1.2"), 20000);
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(static_cast<double>(v[v.size() / 2]), 2000, 2000 * 0.05);
  // One sigma up is the 84th percentile: median · e^1.2.
  EXPECT_NEAR(static_cast<double>(v[v.size() * 8413 / 10000]), 2000 * std::exp(1.2), 2000 * std::exp(1.2) * 0.08);
  auto capped = draws(parsed("lognormal:median=2KB,sigma=2,max=10KB"), 20000);
  EXPECT_EQ(*std::max_element(capped.begin(), capped.end()), 10000u);
}

TEST(loadgen_size_distribution, same_seed_same_sizes) {
  auto d = parsed("lognormal:median=1KB,sigma=1");
  EXPECT_EQ(draws(d, 100, 5), draws(d, 100, 5));
  EXPECT_NE(draws(d, 100, 5), draws(d, 100, 6));
  auto m = parsed("60%:1KB-2KB,40%:5KB");
  EXPECT_EQ(draws(m, 100, 5), draws(m, 100, 5));
}

TEST(loadgen_count_range, parses_n_and_min_max_within_bounds) {
  std::string why;
  auto fixed = count_range::parse("3", 1, 100, &why);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->min, 3);
  EXPECT_EQ(fixed->max, 3);
  EXPECT_EQ(fixed->text(), "3");
  auto range = count_range::parse("1-20", 1, 100, &why);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->text(), "1-20");
  std::mt19937_64 rng(3);
  std::map<int, int> seen;
  for (int i = 0; i < 20000; ++i) ++seen[range->sample(rng)];
  EXPECT_EQ(seen.begin()->first, 1);
  EXPECT_EQ(seen.rbegin()->first, 20);
  EXPECT_EQ(seen.size(), 20u);
  for (auto [n, count] : seen) EXPECT_NEAR(count / 20000.0, 0.05, 0.01) << n;
  for (auto bad : {"0", "5-2", "x", "1-", "2-200", "1.5"}) {
    EXPECT_FALSE(count_range::parse(bad, 1, 100, &why)) << bad;
    EXPECT_NE(why.find(std::string("'") + bad + "'"), std::string::npos) << why;
  }
  EXPECT_FALSE(count_range::parse("1", 2, 10, &why));
  EXPECT_NE(why.find("2 ≤ MIN ≤ MAX ≤ 10"), std::string::npos) << why;
}

TEST(loadgen_run_type_mix, weights_and_errors) {
  std::string why;
  auto mix = run_type_mix::parse("llm:50,chain:30,tool:20", &why);
  ASSERT_TRUE(mix) << why;
  std::mt19937_64 rng(9);
  std::map<std::string_view, int> seen;
  for (int i = 0; i < 20000; ++i) ++seen[mix->sample(rng)];
  EXPECT_NEAR(seen["llm"] / 20000.0, 0.5, 0.02);
  EXPECT_NEAR(seen["chain"] / 20000.0, 0.3, 0.02);
  EXPECT_NEAR(seen["tool"] / 20000.0, 0.2, 0.02);
  auto only = run_type_mix::parse("retriever", &why);
  ASSERT_TRUE(only);
  EXPECT_EQ(only->sample(rng), "retriever");
  EXPECT_EQ(run_type_mix().text(), run_type_mix::default_text);

  EXPECT_FALSE(run_type_mix::parse("llm:50,agent:20", &why));
  EXPECT_NE(why.find("'agent' is not a run type"), std::string::npos) << why;
  EXPECT_FALSE(run_type_mix::parse("llm:x", &why));
  EXPECT_NE(why.find("'llm:x'"), std::string::npos) << why;
  EXPECT_FALSE(run_type_mix::parse("llm:0", &why));
  EXPECT_FALSE(run_type_mix::parse("", &why));
}

TEST(loadgen_run_name, follows_the_run_type) {
  std::mt19937_64 rng(1);
  std::map<std::string_view, int> llm;
  for (int i = 0; i < 200; ++i) ++llm[run_name("llm", rng)];
  EXPECT_GT(llm.size(), 2u);
  EXPECT_TRUE(llm.count("ChatOpenAI"));
  EXPECT_EQ(run_name("parser", rng).find("Parser") != std::string_view::npos, true);
}

}  // namespace
}  // namespace tracepipe::loadgen

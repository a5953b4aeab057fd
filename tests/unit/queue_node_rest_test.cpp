// How a cluster consumer rests a node that does not answer, with a scripted
// clock: rests double while it stays silent, end once it answers, and other
// nodes are never held by it. And where its dead letters go.
#include <gtest/gtest.h>

#include "queue/cluster_consumer.hpp"
#include "queue/node_rest.hpp"

namespace tracepipe::queue {
namespace {

using namespace std::chrono_literals;
using clock_type = node_rest::clock;

/// Rests at their ceiling: 1, 2, 4, 8 s, then 8.
const common::backoff_policy backoff(1000ms, 8000ms, [](auto, auto hi) { return hi; });

TEST(node_rest, a_node_never_failed_is_not_resting) {
  node_rest rest(backoff);
  EXPECT_FALSE(rest.resting("127.0.0.1:7001", clock_type::time_point{}));
}

TEST(node_rest, rests_double_while_the_node_stays_silent) {
  node_rest rest(backoff);
  auto t = clock_type::time_point{};
  const std::string node = "127.0.0.1:7001";
  for (auto expected : {1000ms, 2000ms, 4000ms, 8000ms, 8000ms}) {
    rest.failed(node, t);
    EXPECT_TRUE(rest.resting(node, t + expected - 1ms)) << expected.count();
    EXPECT_FALSE(rest.resting(node, t + expected)) << expected.count();
    t += expected;
  }
}

TEST(node_rest, an_answer_ends_the_rest_and_starts_the_doubling_over) {
  node_rest rest(backoff);
  auto t = clock_type::time_point{};
  const std::string node = "127.0.0.1:7001";
  rest.failed(node, t);
  rest.failed(node, t);  // now 2 s
  rest.answered(node);
  EXPECT_FALSE(rest.resting(node, t));
  rest.failed(node, t);
  EXPECT_FALSE(rest.resting(node, t + 1000ms));
}

TEST(node_rest, one_silent_node_holds_no_other) {
  node_rest rest(backoff);
  auto t = clock_type::time_point{};
  rest.failed("127.0.0.1:7001", t);
  EXPECT_TRUE(rest.resting("127.0.0.1:7001", t));
  EXPECT_FALSE(rest.resting("127.0.0.1:7002", t));
}

TEST(cluster_dead_letter_key, takes_the_source_streams_hash_tag) {
  EXPECT_EQ(cluster_dead_letter_key("tracepipe:dead", "tracepipe:runs:{3}"), "tracepipe:dead:{3}");
  EXPECT_EQ(key_slot(cluster_dead_letter_key("tracepipe:dead", "tracepipe:runs:{3}")), key_slot("tracepipe:runs:{3}"));
  // No tag (or an empty one): the key as configured.
  EXPECT_EQ(cluster_dead_letter_key("tracepipe:dead", "tracepipe:runs"), "tracepipe:dead");
  EXPECT_EQ(cluster_dead_letter_key("tracepipe:dead", "runs:{}"), "tracepipe:dead");
}

}  // namespace
}  // namespace tracepipe::queue

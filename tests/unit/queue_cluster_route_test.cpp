// The cluster routing decisions with a scripted clock: a failover (node gone,
// CLUSTERDOWN, the replica promoted), a resharding (ASK, then MOVED), a map
// that keeps moving, a budget that runs out.
#include <gtest/gtest.h>

#include "queue/cluster_route.hpp"

namespace tracepipe::queue {
namespace {

using namespace std::chrono_literals;
using kind = route_step::kind;
using clock_type = cluster_route::clock;

const cluster_node a{"127.0.0.1", 7001}, b{"127.0.0.1", 7002}, c{"127.0.0.1", 7003};
constexpr std::uint16_t slot = 5649;  // tracepipe:runs:{2}

/// Waits at their ceiling: 100, 200, 400, 800 ms, then 800.
const common::backoff_policy backoff(100ms, 800ms, [](auto, auto hi) { return hi; });

slot_map three_masters() { return slot_map({{0, 5460, a}, {5461, 10922, b}, {10923, 16383, c}}); }

cluster_redirect reply(std::string_view error) { return classify_cluster_error(error); }

TEST(cluster_route, a_settled_cluster_sends_to_the_owner) {
  auto map = three_masters();
  auto t0 = clock_type::time_point{};
  cluster_route route(slot, backoff, {}, t0);
  auto step = route.start(map, t0);
  EXPECT_EQ(step.what, kind::send);
  EXPECT_EQ(step.node, b);
  EXPECT_FALSE(step.asking);
  EXPECT_FALSE(step.reload_map);
}

TEST(cluster_route, a_failover_waits_for_the_promoted_replica) {
  auto map = three_masters();
  auto t = clock_type::time_point{};
  cluster_route route(slot, backoff, {.budget = 5s}, t);
  ASSERT_EQ(route.start(map, t).node, b);
  // b is killed: no answer. Wait, and reload the map meanwhile.
  auto step = route.unreachable(t);
  EXPECT_EQ(step.what, kind::wait);
  EXPECT_TRUE(step.reload_map);
  EXPECT_EQ(step.until, t + 100ms);
  t = step.until;
  // The reloaded map still names b (the cluster has not noticed): b again.
  step = route.waited(map, t);
  EXPECT_EQ(step.what, kind::send);
  EXPECT_EQ(step.node, b);
  step = route.unreachable(t);
  EXPECT_EQ(step.until, t + 200ms) << "the waits grow";
  t = step.until;
  // Now the map has no master for the slot: CLUSTERDOWN's state, seen in the map.
  slot_map down({{0, 5460, a}, {10923, 16383, c}});
  step = route.waited(down, t);
  EXPECT_EQ(step.what, kind::wait);
  EXPECT_TRUE(step.reload_map);
  EXPECT_EQ(step.until, t + 400ms);
  t = step.until;
  // A master answers CLUSTERDOWN for it meanwhile — same thing.
  slot_map promoted({{0, 5460, a}, {5461, 10922, c}, {10923, 16383, c}});
  step = route.waited(promoted, t);
  EXPECT_EQ(step.node, c);
  step = route.redirected(reply("CLUSTERDOWN Hash slot not served"), promoted, t);
  EXPECT_EQ(step.what, kind::wait);
  EXPECT_TRUE(step.reload_map);
  t = step.until;
  step = route.waited(promoted, t);
  EXPECT_EQ(step.what, kind::send);
  EXPECT_EQ(step.node, c);
}

TEST(cluster_route, the_budget_ends_a_failover_that_does_not_end) {
  auto map = three_masters();
  auto t = clock_type::time_point{};
  cluster_route route(slot, backoff, {.budget = 2s}, t);
  route.start(map, t);
  route_step step;
  int waits = 0;
  // 100 + 200 + 400 + 800 = 1.5 s; the next 800 ms wait would end past 2 s.
  for (step = route.unreachable(t); step.what == kind::wait; step = route.unreachable(t)) {
    t = step.until;
    ++waits;
    ASSERT_EQ(route.waited(map, t).what, kind::send);
  }
  EXPECT_EQ(waits, 4);
  EXPECT_EQ(step.what, kind::fail);
  EXPECT_EQ(step.error, "slot 5649 could not be served within 2000 ms: its master did not answer");
}

TEST(cluster_route, a_resharding_asks_then_moves) {
  auto map = three_masters();
  auto t = clock_type::time_point{};
  cluster_route route(slot, backoff, {}, t);
  ASSERT_EQ(route.start(map, t).node, b);
  // The key has left b mid-migration: ask c, once, without touching the map.
  auto step = route.redirected(reply("ASK 5649 127.0.0.1:7003"), map, t);
  EXPECT_EQ(step.what, kind::send);
  EXPECT_EQ(step.node, c);
  EXPECT_TRUE(step.asking);
  EXPECT_FALSE(step.reload_map);
  EXPECT_EQ(*map.owner(slot), b);
  // The migration ended: the next command's first send meets MOVED.
  cluster_route next(slot, backoff, {}, t);
  ASSERT_EQ(next.start(map, t).node, b);
  step = next.redirected(reply("MOVED 5649 127.0.0.1:7003"), map, t);
  EXPECT_EQ(step.what, kind::send);
  EXPECT_EQ(step.node, c);
  EXPECT_FALSE(step.asking);
  EXPECT_TRUE(step.reload_map);
  EXPECT_EQ(*map.owner(slot), c) << "the slot is fixed at once";
  EXPECT_EQ(*map.owner(slot + 1), b) << "the rest waits for the reload";
}

TEST(cluster_route, try_again_and_loading_wait_without_a_reload) {
  auto map = three_masters();
  auto t = clock_type::time_point{};
  cluster_route route(slot, backoff, {}, t);
  route.start(map, t);
  for (auto text : {"TRYAGAIN Multiple keys request during rehashing of slot", "LOADING Redis is loading"}) {
    auto step = route.redirected(reply(text), map, t);
    EXPECT_EQ(step.what, kind::wait) << text;
    EXPECT_FALSE(step.reload_map) << text;
    t = step.until;
    EXPECT_EQ(route.waited(map, t).node, b);
  }
}

TEST(cluster_route, a_map_that_keeps_moving_is_given_up_on) {
  auto map = three_masters();
  auto t = clock_type::time_point{};
  cluster_route route(slot, backoff, {.max_redirects = 3}, t);
  route.start(map, t);
  const cluster_node* ping_pong[] = {&c, &b, &c};
  for (const auto* to : ping_pong) {
    auto step = route.redirected(reply("MOVED 5649 " + to->text()), map, t);
    ASSERT_EQ(step.what, kind::send);
    EXPECT_EQ(step.node, *to);
  }
  auto step = route.redirected(reply("MOVED 5649 127.0.0.1:7002"), map, t);
  EXPECT_EQ(step.what, kind::fail);
  EXPECT_EQ(step.error,
            "slot 5649 was redirected more than 3 times (last to 127.0.0.1:7002): the cluster's slots keep moving");
}

}  // namespace
}  // namespace tracepipe::queue

// The Redis Cluster stack and queue/'s cluster routing against real nodes:
// our CRC16 slots are the servers' slots, CLUSTER SHARDS parses into a map
// that covers every slot, a MOVED and an ASK from a real node are followed
// to where they point, a live slot migration goes ASK then MOVED, and a
// killed master's replica takes over while blocking_cluster waits for it.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "queue/cluster_route.hpp"
#include "queue/cluster_replies.hpp"
#include "stack/stack.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
using queue::cluster_node;
using clock_type = std::chrono::steady_clock;

std::vector<cluster_node> nodes() {
  std::vector<cluster_node> out;
  for (const auto& url : stack_redis_cluster_urls()) {
    auto e = common::parse_redis_url(url);
    out.push_back({e->host, e->port});
  }
  return out;
}

/// The slot map as `via` tells it.
queue::slot_map map_from(const cluster_node& via) {
  auto c = direct(via);
  auto reply = c.command({"CLUSTER", "SHARDS"});
  std::string error;
  auto ranges = queue::parse_cluster_shards(*reply, error);
  if (!ranges) throw std::runtime_error("CLUSTER SHARDS via " + via.text() + ": " + error);
  return queue::slot_map(*ranges);
}

/// A master that does not serve `slot`.
cluster_node other_master(const queue::slot_map& map, std::uint16_t slot) {
  for (const auto& m : map.masters())
    if (!(m == *map.owner(slot))) return m;
  throw std::runtime_error("one master only");
}

TEST(RedisClusterStack, EnvAndStatusNameEveryNode) {
  auto all = nodes();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(stack_env().at("REDIS_URL"), stack_redis_cluster_urls().front());
  std::vector<std::string> names;
  for (const auto& c : stack::status(stack_dir())) {
    names.push_back(c.name);
    EXPECT_TRUE(c.alive) << c.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"redis:1", "redis:2", "redis:3", "redis:4", "redis:5", "redis:6",
                                             "clickhouse", "s3"}));
}

TEST(RedisClusterStack, ThreeMastersServeEverySlotTheFirstThreeNodes) {
  auto all = nodes();
  auto map = map_from(all[4]);  // any node, replicas too, knows the whole map
  EXPECT_EQ(map.unserved(), 0u);
  EXPECT_EQ(map.masters(), (std::vector<cluster_node>{all[0], all[1], all[2]}));
}

TEST(RedisClusterStack, OurSlotsAreTheServersSlots) {
  auto c = direct(nodes()[0]);
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i) keys.push_back(fmt::format("tracepipe:runs:{{{}}}", i));
  for (int i = 0; i < 500; ++i) keys.push_back(fmt::format("k{}{{t{}}}x{{y}}", i, i % 7));
  for (const char* k : {"foo{}{bar}", "foo{{bar}}zap", "foo{bar", "}{", "", "\xff\xfe"}) keys.emplace_back(k);
  for (const auto& k : keys) c.append({"CLUSTER", "KEYSLOT", k});
  for (const auto& k : keys) {
    auto r = c.get_reply();
    ASSERT_TRUE(r && r->type == REDIS_REPLY_INTEGER) << k;
    ASSERT_EQ(queue::key_slot(k), r->integer) << k;
  }
}

TEST(RedisClusterStack, AMovedFromARealNodeIsFollowed) {
  auto map = map_from(nodes()[0]);
  const std::string key = "moved-test:{m1}";
  auto slot = queue::key_slot(key);
  auto wrong = other_master(map, slot);
  auto reply = direct(wrong).command({"XADD", key, "*", "f", "v"});
  ASSERT_EQ(reply->type, REDIS_REPLY_ERROR);
  auto redirect = queue::classify_cluster_error(text(reply));
  ASSERT_EQ(redirect.what, queue::cluster_redirect::kind::moved) << text(reply);
  // The route, started from a map that is wrong about the slot, ends at the owner.
  queue::slot_map stale;
  stale.moved(slot, wrong);
  common::backoff_policy backoff(50ms, 500ms, [](auto, auto hi) { return hi; });
  queue::cluster_route route(slot, backoff, {}, clock_type::now());
  ASSERT_EQ(route.start(stale, clock_type::now()).node, wrong);
  auto step = route.redirected(redirect, stale, clock_type::now());
  ASSERT_EQ(step.what, queue::route_step::kind::send);
  EXPECT_EQ(step.node, *map.owner(slot));
  EXPECT_EQ(*stale.owner(slot), *map.owner(slot));
  EXPECT_EQ(direct(step.node).command({"XADD", key, "*", "f", "v"})->type, REDIS_REPLY_STRING);
}

TEST(RedisClusterStack, ALiveMigrationAsksThenMoves) {
  auto all = nodes();
  auto map = map_from(all[0]);
  const std::string key = "migration-test:{m2}";
  auto slot = queue::key_slot(key);
  auto source = *map.owner(slot);
  auto target = other_master(map, slot);
  auto src = direct(source), dst = direct(target);
  ASSERT_EQ(src.command({"XADD", key, "*", "n", "1"})->type, REDIS_REPLY_STRING);
  auto slot_text = std::to_string(slot);
  // Redis's own resharding steps (the cluster spec, "Live resharding").
  ASSERT_EQ(text(dst.command({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", node_id(source)})), "OK");
  ASSERT_EQ(text(src.command({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", node_id(target)})), "OK");
  // While the key is still on the source, the source serves it.
  EXPECT_EQ(src.command({"XADD", key, "*", "n", "2"})->type, REDIS_REPLY_STRING);
  auto port = std::to_string(target.port);
  ASSERT_EQ(text(src.command({"MIGRATE", target.host, port, "", "0", "5000", "KEYS", key})), "OK");
  // Gone from the source: ASK the target, once, map unchanged.
  auto reply = src.command({"XADD", key, "*", "n", "3"});
  auto redirect = queue::classify_cluster_error(text(reply));
  ASSERT_EQ(redirect.what, queue::cluster_redirect::kind::ask) << text(reply);
  common::backoff_policy backoff(50ms, 500ms, [](auto, auto hi) { return hi; });
  queue::cluster_route route(slot, backoff, {}, clock_type::now());
  route.start(map, clock_type::now());
  auto step = route.redirected(redirect, map, clock_type::now());
  ASSERT_TRUE(step.asking);
  EXPECT_EQ(step.node, target);
  EXPECT_EQ(*map.owner(slot), source);
  // Without ASKING the importing node refuses; with it, it serves the key.
  EXPECT_EQ(queue::classify_cluster_error(text(dst.command({"XADD", key, "*", "n", "3"}))).what,
            queue::cluster_redirect::kind::moved);
  dst.append({"ASKING"});
  dst.append({"XADD", key, "*", "n", "3"});
  EXPECT_EQ(text(dst.get_reply()), "OK");
  EXPECT_EQ(dst.get_reply()->type, REDIS_REPLY_STRING);
  // The migration ends: every master learns the new owner; the source says MOVED.
  for (const auto& m : map.masters())
    ASSERT_EQ(text(direct(m).command({"CLUSTER", "SETSLOT", slot_text, "NODE", node_id(target)})), "OK");
  redirect = queue::classify_cluster_error(text(src.command({"XADD", key, "*", "n", "4"})));
  ASSERT_EQ(redirect.what, queue::cluster_redirect::kind::moved);
  EXPECT_EQ(redirect.node, target);
  // Every entry, old and new, is on the target: nothing lost on the way.
  EXPECT_EQ(dst.command({"XLEN", key})->integer, 3);
}

// Last in the binary: it leaves a replica as master (blocking_cluster_test.cpp
// and the tests above assume redis:1 … redis:3 are the masters).
TEST(RedisClusterStack, AKilledMastersReplicaTakesOverWhileTheClientWaits) {
  auto all = nodes();
  const std::string key = "failover-test:{f1}";
  auto slot = queue::key_slot(key);
  std::string error;
  auto c = queue::blocking_cluster::connect(stack_cluster_options(), &error);
  ASSERT_TRUE(c) << error;
  // Written and confirmed by its replica (WAIT), so a failover must keep them.
  auto replies = c->on_slot_of(key, {{"XADD", key, "*", "n", "1"}, {"XADD", key, "*", "n", "2"}, {"WAIT", "1", "2000"}});
  ASSERT_EQ(replies.size(), 3u) << c->error();
  ASSERT_EQ(replies[2]->integer, 1) << "the replica confirmed both";
  auto owner = *c->map().owner(slot);
  auto index = std::find(all.begin(), all.end(), owner) - all.begin();
  auto name = fmt::format("redis:{}", index + 1);
  stack::kill_component(stack_dir(), name, std::cerr);
  auto killed = clock_type::now();
  auto reply = c->command(key, {"XADD", key, "*", "n", "3"});
  auto took = std::chrono::duration<double>(clock_type::now() - killed).count();
  ASSERT_TRUE(reply && reply->type == REDIS_REPLY_STRING) << c->error() << " " << text(reply);
  std::cout << fmt::format("redis cluster | {} killed; its replica took the write {:.1f} s later\n", name, took);
  EXPECT_EQ(*c->map().owner(slot), all[index + 3]) << "its own replica (redis:" << index + 4 << ")";
  auto length = c->command(key, {"XLEN", key});
  ASSERT_TRUE(length) << c->error();
  EXPECT_EQ(length->integer, 3) << "the two confirmed entries survived the failover";
  // Back, it rejoins as a replica of the one that took over.
  stack::start_component(stack_dir(), name, std::cerr);
  auto role = direct(owner).command({"ROLE"});
  ASSERT_TRUE(role && role->type == REDIS_REPLY_ARRAY && role->elements > 0);
  EXPECT_EQ(std::string(role->element[0]->str, role->element[0]->len), "slave");
  EXPECT_EQ(map_from(owner).unserved(), 0u);
}

}  // namespace
}  // namespace tracepipe::test

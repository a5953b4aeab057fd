// queue::blocking_cluster against the real cluster: every shard key goes to
// its slot's master, a MULTI … EXEC stays on one slot, and a live migration
// in the middle of a stream of writes costs nothing — every entry lands
// once, through ASK and then MOVED.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "queue/shard.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
using queue::cluster_node;

queue::blocking_cluster cluster() {
  std::string error;
  auto c = queue::blocking_cluster::connect(stack_cluster_options(), &error);
  if (!c) throw std::runtime_error(error);
  return std::move(*c);
}

long long integer(const queue::owned_reply& r) { return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1; }

TEST(BlockingCluster, EveryShardKeyLandsOnItsSlotsMaster) {
  auto c = cluster();
  EXPECT_EQ(c.map().unserved(), 0u);
  for (std::size_t shard = 0; shard < 16; ++shard) {
    auto key = queue::stream_key("bc-shards", shard);
    auto reply = c.command(key, {"XADD", key, "*", "shard", std::to_string(shard)});
    ASSERT_TRUE(reply && reply->type == REDIS_REPLY_STRING) << key << ": " << c.error() << text(reply);
    // On the owner itself, not merely somewhere.
    auto owner = *c.map().owner(queue::key_slot(key));
    EXPECT_EQ(integer(direct(owner).command({"XLEN", key})), 1) << key << " on " << owner.text();
  }
}

TEST(BlockingCluster, AMultiExecStaysOnItsSlot) {
  auto c = cluster();
  const std::string key = "bc-multi:{7}";
  auto replies = c.on_slot_of(key, {{"MULTI"}, {"XADD", key, "*", "a", "1"}, {"XADD", key, "*", "a", "2"}, {"EXEC"}});
  ASSERT_EQ(replies.size(), 4u) << c.error();
  ASSERT_EQ(replies[3]->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(replies[3]->elements, 2u);
  EXPECT_EQ(integer(c.command(key, {"XLEN", key})), 2);
}

TEST(BlockingCluster, ALiveMigrationInTheMiddleOfWritesLosesAndDoublesNothing) {
  auto c = cluster();
  const std::string key = "bc-migrate:{m3}";
  auto slot = queue::key_slot(key);
  auto source = *c.map().owner(slot);
  cluster_node target;
  for (const auto& m : c.map().masters())
    if (!(m == source)) target = m;
  auto slot_text = std::to_string(slot);
  int written = 0;
  auto write = [&](int n) {
    for (int i = 0; i < n; ++i, ++written) {
      auto r = c.command(key, {"XADD", key, "*", "n", std::to_string(written)});
      ASSERT_TRUE(r && r->type == REDIS_REPLY_STRING) << "entry " << written << ": " << c.error() << text(r);
    }
  };
  write(300);
  ASSERT_EQ(text(direct(target).command({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", node_id(source)})), "OK");
  ASSERT_EQ(text(direct(source).command({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", node_id(target)})), "OK");
  write(100);  // the key is still on the source: served there
  ASSERT_EQ(text(direct(source).command(
                {"MIGRATE", target.host, std::to_string(target.port), "", "0", "5000", "KEYS", key})),
            "OK");
  write(100);  // the source answers ASK: each goes to the target after ASKING
  EXPECT_EQ(*c.map().owner(slot), source) << "ASK leaves the map alone";
  for (const auto& m : c.map().masters())
    ASSERT_EQ(text(direct(m).command({"CLUSTER", "SETSLOT", slot_text, "NODE", node_id(target)})), "OK");
  write(500);  // one MOVED, then straight to the target
  EXPECT_EQ(*c.map().owner(slot), target);
  EXPECT_EQ(integer(direct(target).command({"XLEN", key})), 1000);
  EXPECT_EQ(integer(direct(source).command({"CLUSTER", "COUNTKEYSINSLOT", slot_text})), 0) << "nothing left behind";
  // In order, each once: the n fields read 0 … 999.
  auto range = direct(target).command({"XRANGE", key, "-", "+"});
  ASSERT_EQ(range->elements, 1000u);
  for (std::size_t i = 0; i < range->elements; ++i) {
    const auto* fields = range->element[i]->element[1];
    ASSERT_EQ(std::string(fields->element[1]->str, fields->element[1]->len), std::to_string(i));
  }
}

}  // namespace
}  // namespace tracepipe::test

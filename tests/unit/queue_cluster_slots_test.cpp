// Slot hashing against the cluster spec's own examples and the slots a real
// Redis 7.0 gave our stream keys; the slot map; redirect replies.
#include <gtest/gtest.h>

#include "queue/cluster_slots.hpp"
#include "queue/shard.hpp"

namespace tracepipe::queue {
namespace {

TEST(cluster_slots, crc16_is_xmodem) {
  // The spec's reference output: "123456789" → 0x31C3.
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
}

TEST(cluster_slots, hash_tags_as_the_spec_reads_them) {
  EXPECT_EQ(key_slot("123456789"), 0x31C3 % 16384);
  // The tag alone is hashed.
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("{user1000}.followers"), key_slot("{user1000}.following"));
  // The first '{' and the first '}' after it; an empty tag hashes the whole key.
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % 16384);
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{bar"), crc16("foo{bar") % 16384);
}

TEST(cluster_slots, our_stream_keys_land_where_redis_7_put_them) {
  // CLUSTER KEYSLOT on a real 7.0 node (NOTES.md).
  EXPECT_EQ(key_slot(stream_key("tracepipe:runs", 0)), 13907);
  EXPECT_EQ(key_slot(stream_key("tracepipe:runs", 1)), 9842);
  EXPECT_EQ(key_slot(stream_key("tracepipe:runs", 2)), 5649);
  EXPECT_EQ(key_slot(stream_key("tracepipe:runs", 3)), 1584);
  // The tag is the shard: the prefix does not move it.
  EXPECT_EQ(key_slot(stream_key("other", 2)), 5649);
}

TEST(cluster_slots, node_text) {
  EXPECT_EQ(parse_cluster_node("127.0.0.1:7001"), (cluster_node{"127.0.0.1", 7001}));
  EXPECT_EQ(parse_cluster_node("::1:7001"), (cluster_node{"::1", 7001}));
  EXPECT_EQ(parse_cluster_node("127.0.0.1:7001")->text(), "127.0.0.1:7001");
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":7001", "h:0", "h:65536", "h:7001x", "h:-1"})
    EXPECT_FALSE(parse_cluster_node(bad)) << bad;
}

TEST(cluster_slots, the_map_serves_each_slot_from_its_range_and_learns_from_moved) {
  cluster_node a{"127.0.0.1", 7001}, b{"127.0.0.1", 7002}, c{"127.0.0.1", 7003};
  slot_map map({{0, 5460, a}, {5461, 10922, b}, {10923, 16383, c}});
  EXPECT_EQ(*map.owner(0), a);
  EXPECT_EQ(*map.owner(5460), a);
  EXPECT_EQ(*map.owner(5461), b);
  EXPECT_EQ(*map.owner(16383), c);
  EXPECT_EQ(map.unserved(), 0u);
  EXPECT_EQ(map.masters(), (std::vector<cluster_node>{a, b, c}));
  map.moved(5649, c);
  EXPECT_EQ(*map.owner(5649), c);
  EXPECT_EQ(*map.owner(5650), b) << "a MOVED moves one slot, not its range";
  // A fourth node appears through MOVED alone.
  cluster_node d{"127.0.0.1", 7004};
  map.moved(1584, d);
  EXPECT_EQ(*map.owner(1584), d);
  EXPECT_EQ(map.masters().size(), 4u);
}

TEST(cluster_slots, an_empty_or_partial_map_says_which_slots_nobody_serves) {
  EXPECT_EQ(slot_map().owner(0), nullptr);
  EXPECT_EQ(slot_map().unserved(), 16384u);
  EXPECT_TRUE(slot_map().masters().empty());
  slot_map partial({{0, 99, {"h", 1}}});
  EXPECT_EQ(partial.unserved(), 16284u);
  EXPECT_EQ(partial.owner(100), nullptr);
}

TEST(cluster_slots, redirect_replies) {
  using kind = cluster_redirect::kind;
  auto moved = classify_cluster_error("MOVED 3999 127.0.0.1:6381");
  EXPECT_EQ(moved.what, kind::moved);
  EXPECT_EQ(moved.slot, 3999);
  EXPECT_EQ(moved.node, (cluster_node{"127.0.0.1", 6381}));
  auto ask = classify_cluster_error("ASK 5649 127.0.0.1:7002");
  EXPECT_EQ(ask.what, kind::ask);
  EXPECT_EQ(ask.slot, 5649);
  EXPECT_EQ(ask.node.port, 7002);
  EXPECT_EQ(classify_cluster_error("TRYAGAIN Multiple keys request during rehashing of slot").what, kind::try_again);
  EXPECT_EQ(classify_cluster_error("CLUSTERDOWN The cluster is down").what, kind::cluster_down);
  EXPECT_EQ(classify_cluster_error("CLUSTERDOWN Hash slot not served").what, kind::cluster_down);
  EXPECT_EQ(classify_cluster_error("LOADING Redis is loading the dataset in memory").what, kind::loading);
  // The command's own errors, and malformed redirects, are not redirects.
  for (const char* other : {"OOM command not allowed when used memory > 'maxmemory'.", "NOGROUP No such key",
                            "MOVED", "MOVED 3999", "MOVED 16384 h:1", "MOVED x h:1", "ASK 1 nohost", "MOVEDX 1 h:1"})
    EXPECT_EQ(classify_cluster_error(other).what, kind::none) << other;
}

}  // namespace
}  // namespace tracepipe::queue

// CLUSTER SHARDS replies (the shape Redis 7.0 sends, RESP2) parsed into the
// slot map's ranges, through hiredis's own reader.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "queue/cluster_replies.hpp"

namespace tracepipe::queue {
namespace {

/// RESP2 builders: bulk string, integer, array.
std::string bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }
std::string integer(long long n) { return ":" + std::to_string(n) + "\r\n"; }
std::string array(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

std::string node(std::string_view role, int port, std::string_view health = "online") {
  return array({bulk("id"), bulk("e10b7051d6bf2d5febd39a2be297bbaea6084111"), bulk("port"), integer(port), bulk("ip"),
                bulk("127.0.0.1"), bulk("endpoint"), bulk("127.0.0.1"), bulk("role"), bulk(role),
                bulk("replication-offset"), integer(72156), bulk("health"), bulk(health)});
}

std::string shard(const std::vector<std::string>& slots, const std::vector<std::string>& nodes) {
  return array({bulk("slots"), array(slots), bulk("nodes"), array(nodes)});
}

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

std::unique_ptr<redisReply, reply_deleter> read(const std::string& resp) {
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(), redisReaderFree);
  redisReaderFeed(reader.get(), resp.data(), resp.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK);
  return std::unique_ptr<redisReply, reply_deleter>(static_cast<redisReply*>(reply));
}

TEST(cluster_shards, node_ids_of_masters_and_replicas) {
  auto reply = read(array({
      shard({integer(0), integer(8191)}, {node("master", 7001), node("replica", 7004)}),
      shard({integer(8192), integer(16383)}, {node("master", 7002)}),
  }));
  // node() gives every node the same id: three ids, one per node listed.
  EXPECT_EQ(cluster_node_ids(*reply).size(), 3u);
  EXPECT_EQ(cluster_node_ids(*reply).front(), "e10b7051d6bf2d5febd39a2be297bbaea6084111");
  EXPECT_TRUE(cluster_node_ids(*read("-ERR nope\r\n")).empty());
}

TEST(cluster_shards, three_masters_with_a_replica_each) {
  auto reply = read(array({
      shard({integer(0), integer(5460)}, {node("master", 7001), node("replica", 7004)}),
      shard({integer(5461), integer(10922)}, {node("master", 7002), node("replica", 7005)}),
      shard({integer(10923), integer(16383)}, {node("replica", 7006), node("master", 7003)}),
  }));
  std::string error;
  auto ranges = parse_cluster_shards(*reply, error);
  ASSERT_TRUE(ranges) << error;
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[2].master, (cluster_node{"127.0.0.1", 7003}));
  slot_map map(*ranges);
  EXPECT_EQ(map.unserved(), 0u);
  EXPECT_EQ(map.owner(5649)->port, 7002);
}

TEST(cluster_shards, a_shard_with_several_ranges_after_a_migration) {
  auto reply = read(array({
      shard({integer(0), integer(5460), integer(5649), integer(5649)}, {node("master", 7001)}),
      shard({integer(5461), integer(5648), integer(5650), integer(16383)}, {node("master", 7002)}),
  }));
  std::string error;
  auto ranges = parse_cluster_shards(*reply, error);
  ASSERT_TRUE(ranges) << error;
  slot_map map(*ranges);
  EXPECT_EQ(map.owner(5649)->port, 7001);
  EXPECT_EQ(map.owner(5648)->port, 7002);
  EXPECT_EQ(map.owner(5650)->port, 7002);
  EXPECT_EQ(map.unserved(), 0u);
}

TEST(cluster_shards, mid_failover_the_online_master_wins) {
  // The killed master still says master (health fail) beside its promoted replica.
  auto reply = read(array({shard({integer(0), integer(16383)}, {node("master", 7001, "fail"), node("master", 7004)})}));
  std::string error;
  auto ranges = parse_cluster_shards(*reply, error);
  ASSERT_TRUE(ranges) << error;
  EXPECT_EQ(slot_map(*ranges).owner(0)->port, 7004);
  // Before the promotion, only the failed one: it is still the owner the map names.
  reply = read(array({shard({integer(0), integer(16383)}, {node("master", 7001, "fail"), node("replica", 7004)})}));
  ranges = parse_cluster_shards(*reply, error);
  ASSERT_TRUE(ranges) << error;
  EXPECT_EQ(slot_map(*ranges).owner(0)->port, 7001);
}

TEST(cluster_shards, what_is_not_cluster_shards_is_refused_with_its_reason) {
  std::string error;
  EXPECT_FALSE(parse_cluster_shards(*read("-ERR This instance has cluster support disabled\r\n"), error));
  EXPECT_EQ(error, "ERR This instance has cluster support disabled");
  EXPECT_FALSE(parse_cluster_shards(*read("+OK\r\n"), error));
  EXPECT_EQ(error, "CLUSTER SHARDS did not answer an array");
  EXPECT_FALSE(parse_cluster_shards(*read(array({shard({integer(0)}, {node("master", 7001)})})), error));
  EXPECT_EQ(error, "CLUSTER SHARDS: shard 0 has no slots list");
  EXPECT_FALSE(parse_cluster_shards(*read(array({shard({integer(9), integer(3)}, {node("master", 7001)})})), error));
  EXPECT_EQ(error, "CLUSTER SHARDS: shard 0 has a malformed slot range");
  EXPECT_FALSE(
      parse_cluster_shards(*read(array({shard({integer(0), integer(16384)}, {node("master", 7001)})})), error));
  // A shard without any master (all replicas, or no nodes) serves nothing.
  auto ranges = parse_cluster_shards(*read(array({shard({integer(0), integer(99)}, {node("replica", 7004)})})), error);
  ASSERT_TRUE(ranges);
  EXPECT_TRUE(ranges->empty());
}

}  // namespace
}  // namespace tracepipe::queue

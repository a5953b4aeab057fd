// The start-up refusals for Redis as configured against Redis as it is.
#include <gtest/gtest.h>

#include "queue/topology_check.hpp"

namespace tracepipe::queue {
namespace {

redis_identity standalone(std::string name) { return {std::move(name), true, false, "", {}}; }
redis_identity node(std::string name, std::string id, std::vector<std::string> members) {
  return {std::move(name), true, true, std::move(id), std::move(members)};
}
redis_identity silent(std::string name) { return {std::move(name), false, false, "", {}}; }

TEST(topology_check, a_standalone_url_at_a_cluster_node_is_refused) {
  EXPECT_FALSE(standalone_refusal(standalone("127.0.0.1:6379")));
  EXPECT_FALSE(standalone_refusal(silent("127.0.0.1:6379"))) << "a Redis that is down is waited for, not judged";
  auto why = standalone_refusal(node("127.0.0.1:7001", "a", {"a", "b", "c"}));
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "redis.url points at 127.0.0.1:7001, a node of a Redis Cluster (cluster_enabled:1), whose first command "
            "for a slot it does not serve would answer MOVED: list the cluster's nodes under redis.cluster");
}

TEST(topology_check, seeds_of_one_cluster_pass) {
  std::vector<std::string> members{"a", "b", "c", "d"};
  EXPECT_FALSE(cluster_refusal({node("h:1", "a", members), node("h:2", "b", members), silent("h:3"),
                                node("h:4", "d", members)}));
  EXPECT_FALSE(cluster_refusal({silent("h:1")})) << "nobody answers yet: the client waits";
}

TEST(topology_check, a_standalone_seed_is_refused) {
  auto why = cluster_refusal({node("h:1", "a", {"a"}), standalone("h:9")});
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "redis.cluster lists h:9, a standalone Redis (cluster_enabled:0): give it as redis.url, or list a "
            "cluster's nodes");
}

TEST(topology_check, seeds_of_two_clusters_are_refused) {
  auto why = cluster_refusal({node("h:1", "a", {"a", "b"}), node("h:2", "b", {"a", "b"}), node("h:7", "x", {"x", "y"})});
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "redis.cluster lists nodes of two different clusters: h:7 is not among the nodes h:1 knows");
}

}  // namespace
}  // namespace tracepipe::queue

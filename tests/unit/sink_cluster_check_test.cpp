// The start-up check of a replicated ClickHouse: each misconfiguration is
// refused in one sentence naming what differs; a matching cluster passes.
// The header comes first: it must compile on its own.
#include "sink/cluster_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tracepipe::sink {
namespace {

const schema_names names{"tp", "runs", "prod"};

config::clickhouse_settings configured(std::vector<std::string> urls, std::string cluster) {
  config::clickhouse_settings c{};
  c.urls = std::move(urls);
  c.cluster = std::move(cluster);
  return c;
}

/// A server of a 1 × `replicas` cluster "prod" (and the defaults' test cluster).
cluster_view server(std::string url, int replicas, std::string engine = "ReplicatedReplacingMergeTree") {
  cluster_view v{std::move(url), {{"test_shard_localhost", 1}}, std::move(engine)};
  for (int i = 0; i < replicas; ++i) v.cluster_rows.emplace_back("prod", 1);
  return v;
}

const std::vector<std::string> three = {"http://a:8123", "http://b:8123", "http://c:8123"};

TEST(sink_cluster_check, a_matching_cluster_passes) {
  EXPECT_EQ(cluster_mismatch(configured(three, "prod"), names,
                             {server(three[0], 3), server(three[1], 3), server(three[2], 3)}),
            std::nullopt);
  EXPECT_EQ(cluster_mismatch(configured(three, "prod"), names, {server(three[0], 3, "")}), std::nullopt)
      << "no table yet: it is created ON CLUSTER";
  EXPECT_EQ(cluster_mismatch(configured(three, "prod"), names, {}), std::nullopt) << "none answers: nothing to judge";
}

TEST(sink_cluster_check, a_single_server_passes_whatever_its_table) {
  EXPECT_EQ(cluster_mismatch(configured({three[0]}, ""), names, {server(three[0], 0, "ReplacingMergeTree")}),
            std::nullopt);
  EXPECT_EQ(cluster_mismatch(configured({three[0]}, ""), names, {}), std::nullopt);
}

TEST(sink_cluster_check, several_urls_without_a_cluster_name_are_refused) {
  auto why = cluster_mismatch(configured(three, ""), names, {server(three[0], 3)});
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "clickhouse.url lists 3 servers but clickhouse.cluster is empty: name the cluster they are replicas of "
            "(http://a:8123 knows: prod, test_shard_localhost)");
}

TEST(sink_cluster_check, an_unknown_cluster_is_refused) {
  auto why = cluster_mismatch(configured(three, "prdo"), names, {server(three[0], 3)});
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "ClickHouse at http://a:8123 knows no cluster \"prdo\" (its system.clusters has: prod, "
                  "test_shard_localhost)");
}

TEST(sink_cluster_check, a_replica_list_that_disagrees_with_system_clusters_is_refused) {
  auto why = cluster_mismatch(configured({three[0], three[1]}, "prod"), names, {server(three[0], 3)});
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "cluster \"prod\" has 3 replicas in system.clusters on http://a:8123, but clickhouse.url lists 2: list "
            "every replica's URL, so that inserts spread over all of them");
}

TEST(sink_cluster_check, more_than_one_shard_is_refused) {
  auto v = server(three[0], 2);
  v.cluster_rows.emplace_back("prod", 2);
  auto why = cluster_mismatch(configured(three, "prod"), names, {v});
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("cluster \"prod\" has 2 shards on http://a:8123"), std::string::npos) << *why;
}

TEST(sink_cluster_check, a_quorum_larger_than_the_replicas_is_refused) {
  auto c = configured(three, "prod");
  c.insert_quorum = 3;
  EXPECT_EQ(cluster_mismatch(c, names, {server(three[0], 3)}), std::nullopt);
  c.insert_quorum = 4;
  EXPECT_EQ(cluster_mismatch(c, names, {server(three[0], 3)}),
            "clickhouse.insert_quorum is 4 but clickhouse.url lists 3 server(s): no insert could ever reach that many "
            "replicas");
}

TEST(sink_cluster_check, a_table_that_is_not_replicated_is_refused) {
  auto why = cluster_mismatch(configured(three, "prod"), names,
                              {server(three[0], 3), server(three[1], 3, "ReplacingMergeTree")});
  ASSERT_TRUE(why);
  EXPECT_EQ(why->rfind("table tp.runs on http://b:8123 exists as ReplacingMergeTree, not Replicated", 0), 0u)
      << *why;
}

}  // namespace
}  // namespace tracepipe::sink

// The replicated stack itself: ZooKeeper and three ClickHouse 18.16 replicas
// of one shard, each with its own macros, all in the cluster "tracepipe";
// a table created ON CLUSTER on one replica exists on all, a block inserted
// on one is fetched by the others, and the same block inserted again on
// another replica is deduplicated through ZooKeeper.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "sink/clickhouse_client.hpp"
#include "stack/stack.hpp"
#include "tests/support/stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

/// The answer's text on success, "<error> message" otherwise.
std::string query(const std::string& url, const std::string& sql) {
  sink::clickhouse_client c({url, "default", "", 20s});
  auto r = c.query(sql);
  return r.ok() ? r.body : "<error> " + r.message;
}

/// Polls `sql` on `url` until it answers `want` or `limit` passes; the last answer.
std::string eventually_equals(const std::string& url, const std::string& sql, const std::string& want,
                              std::chrono::seconds limit = 30s) {
  auto until = std::chrono::steady_clock::now() + limit;
  auto got = query(url, sql);
  while (got != want && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
    got = query(url, sql);
  }
  return got;
}

TEST(ReplicatedStack, EnvNamesEveryReplicaTheClusterAndZooKeeper) {
  const auto& env = stack_env();
  auto urls = stack_clickhouse_urls();
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(std::set<std::string>(urls.begin(), urls.end()).size(), 3u) << "three distinct servers";
  EXPECT_EQ(env.at("CLICKHOUSE_URL"), urls[0]);
  EXPECT_EQ(env.at("CLICKHOUSE_CLUSTER"), "tracepipe");
  EXPECT_EQ(env.at("ZOOKEEPER").rfind("127.0.0.1:", 0), 0u) << env.at("ZOOKEEPER");
}

TEST(ReplicatedStack, StatusListsZooKeeperAndEachReplicaAlive) {
  std::vector<std::string> names;
  for (const auto& c : stack::status(stack_dir())) {
    names.push_back(c.name);
    EXPECT_TRUE(c.alive) << c.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"redis", "zookeeper", "clickhouse:1", "clickhouse:2", "clickhouse:3", "s3"}));
}

TEST(ReplicatedStack, EachReplicaHasItsOwnMacrosAndKnowsTheCluster) {
  auto urls = stack_clickhouse_urls();
  for (std::size_t i = 0; i < urls.size(); ++i) {
    SCOPED_TRACE(urls[i]);
    EXPECT_EQ(query(urls[i], "SELECT macro, substitution FROM system.macros ORDER BY macro FORMAT TSV"),
              fmt::format("replica\treplica_{}\nshard\t1\n", i + 1));
    EXPECT_EQ(query(urls[i], "SELECT shard_num, replica_num FROM system.clusters WHERE cluster = 'tracepipe' "
                             "ORDER BY replica_num FORMAT TSV"),
              "1\t1\n1\t2\n1\t3\n");
    EXPECT_EQ(query(urls[i], "SELECT count() > 0 FROM system.zookeeper WHERE path = '/'"), "1\n")
        << "connected to ZooKeeper";
  }
}

TEST(ReplicatedStack, OnClusterDdlReplicationAndBlockDeduplication) {
  auto urls = stack_clickhouse_urls();
  ASSERT_EQ(query(urls[0], "DROP DATABASE IF EXISTS stack_replication ON CLUSTER tracepipe").rfind("<error>", 0),
            std::string::npos);
  auto created = query(urls[0], "CREATE DATABASE stack_replication ON CLUSTER tracepipe");
  ASSERT_EQ(created.rfind("<error>", 0), std::string::npos) << created;
  created = query(urls[0],
                  "CREATE TABLE stack_replication.t ON CLUSTER tracepipe (x UInt32) ENGINE = "
                  "ReplicatedMergeTree('/clickhouse/tables/{shard}/stack_replication/t', '{replica}') ORDER BY x");
  ASSERT_EQ(created.rfind("<error>", 0), std::string::npos) << created;
  for (const auto& url : urls)
    EXPECT_EQ(query(url, "SELECT engine FROM system.tables WHERE database = 'stack_replication' FORMAT TSV"),
              "ReplicatedMergeTree\n")
        << url;

  EXPECT_EQ(query(urls[1], "INSERT INTO stack_replication.t VALUES (1), (2), (3)"), "");
  for (const auto& url : urls)
    EXPECT_EQ(eventually_equals(url, "SELECT count() FROM stack_replication.t", "3\n"), "3\n") << url;
  // The very block again, through another replica (a retried batch): stored once.
  EXPECT_EQ(query(urls[2], "INSERT INTO stack_replication.t VALUES (1), (2), (3)"), "");
  // A different block is stored, though its values are there already:
  // deduplication is by block (the hash of the part written), not by row.
  EXPECT_EQ(query(urls[2], "INSERT INTO stack_replication.t VALUES (1), (2)"), "");
  for (const auto& url : urls)
    EXPECT_EQ(eventually_equals(url, "SELECT count() FROM stack_replication.t", "5\n"), "5\n") << url;
  EXPECT_EQ(query(urls[0], "DROP DATABASE stack_replication ON CLUSTER tracepipe").rfind("<error>", 0),
            std::string::npos);
}

TEST(ReplicatedStack, UnknownComponentNamesTheReplicas) {
  try {
    stack::kill_component(stack_dir(), "clickhouse", std::cerr);
    FAIL() << "killing \"clickhouse\" on a replicated stack must be refused";
  } catch (const stack::error& e) {
    EXPECT_NE(std::string(e.what()).find("(this stack has redis, zookeeper, clickhouse:1, clickhouse:2, "
                                         "clickhouse:3, s3)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::test

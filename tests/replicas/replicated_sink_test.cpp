// The sink against three replicas: exactly N in, N on every replica, the
// inserts spread over all of them; and each misconfiguration refused at
// start in one sentence.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>
#include <string>

#include "ingest_harness.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

/// INSERT queries the replica has received itself (not parts it fetched).
std::uint64_t inserts_received(clickhouse_probe& replica) {
  return replica.count("SELECT value FROM system.events WHERE event = 'InsertQuery'");
}

TEST(ReplicatedSink, EveryRunOnEveryReplicaInsertsSpreadOverAll) {
  auto s = sink_settings("replicas");
  s.worker.batch_rows = 100;  // a dozen inserts or more: each replica gets some
  s.clickhouse.project_index = true;
  ASSERT_EQ(s.clickhouse.urls.size(), 3u);
  ASSERT_EQ(s.clickhouse.cluster, "tracepipe");
  std::deque<clickhouse_probe> replicas;  // not movable: a deque constructs in place
  std::vector<std::uint64_t> inserts_before;
  for (std::size_t r = 0; r < 3; ++r) {
    replicas.emplace_back(s, r);
    inserts_before.push_back(inserts_received(replicas.back()));
  }
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto runs = sink_runs(600, 21);
  auto ops = send_runs(ingest.url(), runs);
  ASSERT_EQ(ops, 1200u);
  for (std::size_t r = 0; r < replicas.size(); ++r) {
    SCOPED_TRACE(s.clickhouse.urls[r]);
    auto& replica = replicas[r];
    ASSERT_TRUE(eventually([&] { return replica.distinct_ops() == ops; }, 60s)) << replica.distinct_ops() << " of " << ops;
    // Nothing retried here, so no block twice: raw rows are the operations.
    EXPECT_EQ(replica.raw_rows(), ops);
    EXPECT_EQ(replica.scalar("SELECT engine FROM system.tables WHERE database = '" + s.clickhouse.database +
                             "' AND name = 'runs'"),
              "ReplicatedReplacingMergeTree");
    EXPECT_EQ(replica.count("SELECT count() FROM " + replica.table() + "_merged"), runs.size());
    EXPECT_GT(inserts_received(replica), inserts_before[r]) << "round robin reaches every replica";
    // The project index, filled where each INSERT landed, replicated to all.
    EXPECT_EQ(replica.scalar("SELECT engine FROM system.tables WHERE database = '" + s.clickhouse.database +
                             "' AND name = 'runs_by_project'"),
              "ReplicatedReplacingMergeTree");
    auto indexed = [&] { return replica.count("SELECT uniqExact(id) FROM " + replica.table() + "_by_project"); };
    EXPECT_TRUE(eventually([&] { return indexed() == runs.size(); }, 60s)) << indexed() << " of " << runs.size();
  }
  ASSERT_TRUE(eventually([&] { return redis_probe().xlen(ingest.stream()) == 0; }));
}

/// Rows of a batch as the sink renders them, stamped `sent_at_us`.
std::string batch_body(std::uint64_t sent_at_us) {
  std::string body;
  for (int i = 0; i < 5; ++i)
    body += fmt::format(R"({{"id":"run-{}","kind":"post","received_at_us":1765000000000000,"sent_at_us":{}}})"
                        "\n",
                        i, sent_at_us);
  return body;
}

TEST(ReplicatedSink, ABatchResentToAnotherReplicaIsStoredOnce) {
  // What the sink's retry after a timeout comes to: the same bytes, sent
  // to a second replica while the first may still complete its copy.
  auto s = sink_settings("resent");
  s.clickhouse.project_index = true;
  {
    sink::worker worker(s);
    worker.start();  // creates the replicated schema ON CLUSTER
  }
  std::deque<clickhouse_probe> replicas;
  for (std::size_t r = 0; r < 3; ++r) replicas.emplace_back(s, r);
  auto insert = [&](std::size_t replica, const std::string& body) {
    replicas[replica].scalar("INSERT INTO " + replicas[replica].table() + " FORMAT JSONEachRow\n" + body);
  };
  // Counted once every replica has fetched all there is to fetch.
  auto synced_rows = [&](clickhouse_probe& replica) {
    replica.scalar("SYSTEM SYNC REPLICA " + replica.table());
    return replica.raw_rows();
  };
  insert(0, batch_body(111));
  insert(1, batch_body(111));  // the retry: its block's hash is already in ZooKeeper
  for (auto& replica : replicas) EXPECT_EQ(synced_rows(replica), 5u);
  // The same runs stamped differently are another block: 18.16 has nothing
  // but the data's hash to know a retry by (no insert_deduplication_token),
  // hence the sink's stamps stay fixed across attempts.
  insert(2, batch_body(222));
  for (auto& replica : replicas) {
    EXPECT_EQ(synced_rows(replica), 10u);
    EXPECT_EQ(replica.distinct_ops(), 5u);
    replica.scalar("SYSTEM SYNC REPLICA " + replica.table() + "_by_project");
    EXPECT_EQ(replica.count("SELECT uniqExact(id) FROM " + replica.table() + "_by_project"), 5u);
  }
}

/// worker.start()'s error with these settings.
std::string refusal(const config::settings& s) {
  try {
    sink::worker worker(s);
    worker.start();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "<started>";
}

TEST(ReplicatedSink, AClusterTheServersDoNotKnowIsRefused) {
  auto s = sink_settings("refuse_name");
  s.clickhouse.cluster = "prod";
  auto why = refusal(s);
  EXPECT_NE(why.find("knows no cluster \"prod\" (its system.clusters has: "), std::string::npos) << why;
  EXPECT_NE(why.find("tracepipe"), std::string::npos) << why;
}

TEST(ReplicatedSink, AReplicaListThatDisagreesIsRefused) {
  auto s = sink_settings("refuse_list");
  s.clickhouse.urls.pop_back();
  auto why = refusal(s);
  EXPECT_NE(why.find("cluster \"tracepipe\" has 3 replicas in system.clusters on "), std::string::npos) << why;
  EXPECT_NE(why.find("but clickhouse.url lists 2"), std::string::npos) << why;
}

TEST(ReplicatedSink, ReplicasWithoutAClusterNameAreRefused) {
  auto s = sink_settings("refuse_unnamed");
  s.clickhouse.cluster.clear();
  auto why = refusal(s);
  EXPECT_NE(why.find("clickhouse.url lists 3 servers but clickhouse.cluster is empty"), std::string::npos) << why;
}

TEST(ReplicatedSink, ATableThatIsNotReplicatedIsRefused) {
  auto s = sink_settings("refuse_plain");
  clickhouse_probe second(s, 1);
  second.scalar("CREATE DATABASE " + s.clickhouse.database);
  second.scalar("CREATE TABLE " + s.clickhouse.database + ".runs (id String) ENGINE = ReplacingMergeTree ORDER BY id");
  auto why = refusal(s);
  EXPECT_NE(why.find("table test_refuse_plain.runs on " + s.clickhouse.urls[1] +
                     " exists as ReplacingMergeTree, not Replicated"),
            std::string::npos)
      << why;
}

}  // namespace
}  // namespace tracepipe::test

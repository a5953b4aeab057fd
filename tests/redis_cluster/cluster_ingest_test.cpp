// Ingest on a Redis Cluster (redis.cluster): every shard's transaction lands
// on its slot's master, the depth sampler sums the shards over the nodes,
// and a live migration of a shard's slot under a steady stream of requests
// loses nothing that was acknowledged.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <set>
#include <thread>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "cluster_traffic.hpp"
#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/wire_format.hpp"
#include "queue/shard.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

TEST(ClusterIngest, EveryShardsRunsLandOnItsSlotsMaster) {
  auto s = cluster_ingest_settings("cluster_ingest", 8);
  ingest_under_test ingest(s);
  auto ops = send_runs(ingest.url(), sink_runs(400, 11));
  ASSERT_EQ(ops, 800u);
  auto c = cluster();
  EXPECT_EQ(entries_in(c, s), 800);
  // Eight shards over three masters: each master holds some.
  std::set<std::string> holders;
  for (int shard = 0; shard < 8; ++shard) {
    auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
    auto owner = *c.map().owner(queue::key_slot(key));
    if (direct(owner).command({"XLEN", key})->integer > 0) holders.insert(owner.text());
  }
  EXPECT_EQ(holders.size(), 3u);
  // Admission control's depth: summed over the shards on every node.
  EXPECT_TRUE(eventually([&] { return ingest.runner().svc().depth.depth() == 800; }))
      << ingest.runner().svc().depth.depth();
}

TEST(ClusterIngest, ALiveMigrationUnderRequestsLosesNothingAcknowledged) {
  auto s = cluster_ingest_settings("cluster_migrate", 4);
  ingest_under_test ingest(s);
  auto c = cluster();
  // Shard 0's slot moves from its master to another, while requests flow.
  auto key = queue::stream_key(s.redis.stream, 0);
  steady_sender sender(ingest.url());
  sender.wait_requests(20);
  // ASK after the key moved (each transaction on the target after ASKING), then MOVED once.
  auto target = migrate_slot(c, key, [&] { sender.wait_requests(20); });
  sender.stop();
  EXPECT_EQ(sender.refused(), "") << "redirections are followed: no request refused";
  EXPECT_EQ(*c.map().owner(queue::key_slot(key)), target);
  std::cout << fmt::format("redis cluster | ingest through a live migration: {} requests, {} operations accepted\n",
                           sender.requests(), sender.accepted());
  EXPECT_EQ(entries_in(c, s), static_cast<long long>(sender.accepted())) << "every accepted operation, once";
  EXPECT_EQ(sender.accepted(), sender.requests() * 40);
}

TEST(ClusterIngest, WaitReplicasAnswers202OnlyWhenEnoughReplicasConfirmed) {
  auto s = cluster_ingest_settings("cluster_wait", 3);
  s.redis.wait_timeout = std::chrono::milliseconds(200);
  auto post = [&](int replicas) {
    s.redis.wait_replicas = replicas;
    ingest_under_test ingest(s);
    auto runs = sink_runs(30, 60 + replicas);
    return loadgen::http_client(ingest.url())
        .request("POST", "/runs/batch", loadgen::batch_body(runs, runs), {{"content-type", "application/json"}});
  };
  // Each master has one replica: it confirms every shard's transaction.
  auto one = post(1);
  EXPECT_EQ(one.status, 202u) << one.body;
  // Two asked, one there: 503, saying so.
  auto two = post(2);
  EXPECT_EQ(two.status, 503u);
  EXPECT_NE(two.body.find("1 of 2 replicas confirmed the write within 200 ms"), std::string::npos) << two.body;
}

/// What starting `start` throws; "<started>" when nothing.
template <class Start>
std::string refusal(Start start) {
  try {
    start();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<started>";
}

TEST(ClusterIngest, AStandaloneUrlAtAClusterNodeIsRefusedAtStart) {
  auto s = sink_settings("refuse_standalone_url");
  ASSERT_TRUE(s.redis.cluster.empty());
  auto node = stack_redis_cluster_urls().front();
  ASSERT_EQ(s.redis.url, node);  // the stack's REDIS_URL is its first node
  auto expected = "redis.url points at " + node.substr(8) + ", a node of a Redis Cluster";
  auto ingest = refusal([&] { ingest::runner(s).start(); });
  EXPECT_EQ(ingest.rfind(expected, 0), 0u) << ingest;
  auto worker = refusal([&] { sink::worker(s).start(); });
  EXPECT_EQ(worker.rfind(expected, 0), 0u) << worker;
}

}  // namespace
}  // namespace tracepipe::test

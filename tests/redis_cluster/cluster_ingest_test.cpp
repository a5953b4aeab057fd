// Ingest on a Redis Cluster (redis.cluster): every shard's transaction lands
// on its slot's master, the depth sampler sums the shards over the nodes,
// and a live migration of a shard's slot under a steady stream of requests
// loses nothing that was acknowledged.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "queue/shard.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

config::settings cluster_ingest_settings(const std::string& name, int shards) {
  auto s = sink_settings(name);
  s.redis.cluster = stack_redis_cluster_urls();
  s.redis.shards = shards;
  return s;
}

/// Entries over every shard's stream, each read on its own slot's master.
long long entries_in(queue::blocking_cluster& c, const config::settings& s) {
  long long total = 0;
  for (int shard = 0; shard < s.redis.shards; ++shard) {
    auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
    auto owner = *c.map().owner(queue::key_slot(key));
    auto reply = direct(owner).command({"XLEN", key});
    if (!reply || reply->type != REDIS_REPLY_INTEGER) throw std::runtime_error("XLEN " + key + " on " + owner.text());
    total += reply->integer;
  }
  return total;
}

queue::blocking_cluster cluster() {
  std::string error;
  auto c = queue::blocking_cluster::connect(stack_cluster_options(), &error);
  if (!c) throw std::runtime_error(error);
  return std::move(*c);
}

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
  auto slot = queue::key_slot(key);
  auto source = *c.map().owner(slot);
  queue::cluster_node target;
  for (const auto& m : c.map().masters())
    if (!(m == source)) target = m;
  // One batch request (20 posts + their patches) after another.
  std::atomic<bool> done{false};
  std::atomic<std::size_t> accepted{0}, requests{0};
  std::string refused;
  std::thread sender([&] {
    try {
      for (std::uint64_t seed = 1; !done; ++seed) {
        accepted += send_runs(ingest.url(), sink_runs(20, seed), 20);
        ++requests;
      }
    } catch (const std::exception& e) {
      refused = e.what();
    }
  });
  auto wait_requests = [&](std::size_t more) {
    auto until = requests.load() + more;
    while (requests < until && refused.empty()) std::this_thread::sleep_for(5ms);
  };
  auto slot_text = std::to_string(slot);
  wait_requests(20);
  ASSERT_EQ(text(direct(target).command({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", node_id(source)})), "OK");
  ASSERT_EQ(text(direct(source).command({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", node_id(target)})), "OK");
  wait_requests(20);
  ASSERT_EQ(text(direct(source).command(
                {"MIGRATE", target.host, std::to_string(target.port), "", "0", "5000", "KEYS", key})),
            "OK");
  wait_requests(20);  // ASK: after ASKING, each transaction on the target
  for (const auto& m : c.map().masters())
    ASSERT_EQ(text(direct(m).command({"CLUSTER", "SETSLOT", slot_text, "NODE", node_id(target)})), "OK");
  wait_requests(20);  // MOVED once, then the reloaded map
  done = true;
  sender.join();
  EXPECT_EQ(refused, "") << "redirections are followed: no request refused";
  c.reload_map();
  EXPECT_EQ(*c.map().owner(slot), target);
  std::cout << fmt::format("redis cluster | ingest through a live migration: {} requests, {} operations accepted\n",
                           requests.load(), accepted.load());
  EXPECT_EQ(entries_in(c, s), static_cast<long long>(accepted.load())) << "every accepted operation, once";
  EXPECT_EQ(accepted.load(), requests.load() * 40);
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

TEST(ClusterIngest, TheWorkerSaysItCannotReadFromAClusterYet) {
  auto s = cluster_ingest_settings("refuse_worker", 1);
  auto why = refusal([&] { sink::worker(s).start(); });
  EXPECT_EQ(why.rfind("redis.cluster is set, but the sink worker cannot read from a Redis Cluster yet", 0), 0u) << why;
}

}  // namespace
}  // namespace tracepipe::test

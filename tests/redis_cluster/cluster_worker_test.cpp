// Sink workers on a Redis Cluster (redis.cluster): every shard's stream read
// on its slot's master, inserted once and acked (XACK + XDEL there), a live
// migration of a shard's slot through the whole write path, dead letters
// kept on the shard's own slot, and the load's sampler reading each master.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "cluster_traffic.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/wire_format.hpp"
#include "observe/redis_sampler.hpp"
#include "queue/cluster_consumer.hpp"
#include "sink/worker.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

/// Pending entries of the workers' group over every shard.
long long pending_in(queue::blocking_cluster& c, const config::settings& s) {
  long long total = 0;
  for (int shard = 0; shard < s.redis.shards; ++shard) {
    auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
    auto owner = *c.map().owner(queue::key_slot(key));
    auto reply = direct(owner).command({"XPENDING", key, s.worker.group});
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) total += reply->element[0]->integer;
  }
  return total;
}

TEST(ClusterWorker, EveryShardsRunsAreInsertedOnceAndAcked) {
  auto s = cluster_ingest_settings("cluster_worker", 8);
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto ops = send_runs(ingest.url(), sink_runs(600, 21));
  ASSERT_EQ(ops, 1200u);
  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == 1200; }, 60s)) << ch.distinct_ops();
  auto c = cluster();
  // Acked and deleted on every node: nothing left, nothing pending.
  EXPECT_TRUE(eventually([&] { return entries_in(c, s) == 0 && pending_in(c, s) == 0; }))
      << entries_in(c, s) << " entries, " << pending_in(c, s) << " pending";
  EXPECT_EQ(ch.raw_rows(), 1200u) << "no fault: no run inserted twice";
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

TEST(ClusterWorker, ALiveMigrationThroughTheWholeWritePathLosesNothing) {
  auto s = cluster_ingest_settings("cluster_worker_migrate", 4);
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto c = cluster();
  // Shard 1's slot moves from its master to another while runs are sent,
  // read, inserted and acked: MIGRATE takes the stream with its group and
  // its pending entries; reads and acks follow ASK, then MOVED.
  steady_sender sender(ingest.url());
  sender.wait_requests(20);
  migrate_slot(c, queue::stream_key(s.redis.stream, 1), [&] { sender.wait_requests(20); });
  sender.stop();
  EXPECT_EQ(sender.refused(), "");
  clickhouse_probe ch(s);
  auto accepted = sender.accepted();
  EXPECT_TRUE(eventually([&] { return ch.distinct_ops() == accepted; }, 60s)) << ch.distinct_ops() << " of " << accepted;
  EXPECT_TRUE(eventually([&] { return entries_in(c, s) == 0 && pending_in(c, s) == 0; }))
      << entries_in(c, s) << " entries, " << pending_in(c, s) << " pending";
  std::cout << fmt::format(
      "redis cluster | worker through a live migration: {} operations accepted, {} in ClickHouse, lost {}, "
      "rows {}, duplicates after FINAL {}\n",
      accepted, ch.distinct_ops(), accepted - std::min<std::uint64_t>(accepted, ch.distinct_ops()), ch.raw_rows(),
      ch.duplicates_after_final());
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

TEST(ClusterWorker, DeadLettersStayOnTheirShardsSlot) {
  auto s = cluster_ingest_settings("cluster_deadletter", 3);
  clickhouse_probe ch(s);
  ch.create_table_refusing_text_tenants(s);  // a run from tenant "bad" is a row ClickHouse refuses
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto good = sink_runs(30, 51, 0);
  auto bad = sink_runs(2, 52, 0);
  loadgen::http_client client(ingest.url());
  for (const auto& [runs, tenant] : {std::pair{&good, "7"}, std::pair{&bad, "bad"}}) {
    auto a = client.request("POST", "/runs/batch", loadgen::batch_body(*runs, *runs),
                            {{"content-type", "application/json"}, {"x-tenant-id", tenant}});
    ASSERT_EQ(a.status, 202u) << a.body;
  }
  auto c = cluster();
  auto dead = [&] {
    long long n = 0;
    for (int shard = 0; shard < s.redis.shards; ++shard) {
      auto key = queue::cluster_dead_letter_key(s.worker.dead_letter_stream,
                                                queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard)));
      n += integer_of(c, key, {"XLEN", key});
    }
    return n;
  };
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == 60 && dead() == 4; }, 30s))
      << ch.distinct_ops() << " rows, " << dead() << " dead";
  EXPECT_TRUE(eventually([&] { return entries_in(c, s) == 0; }));
}

TEST(ClusterWorker, TheLoadsSamplerReadsEveryMaster) {
  auto s = cluster_ingest_settings("cluster_sampler", 8);
  ingest_under_test ingest(s);
  ASSERT_EQ(send_runs(ingest.url(), sink_runs(400, 71)), 800u);
  auto c = cluster();
  // The workers' group, made from the start of each stream: all 800 not yet delivered.
  for (int shard = 0; shard < s.redis.shards; ++shard) {
    auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
    ASSERT_EQ(text(c.command(key, {"XGROUP", "CREATE", key, s.worker.group, "0"})), "OK");
  }
  observe::redis_sampler sampler(s.redis.url, s.redis.cluster, s.redis.stream, s.redis.shards, s.worker.group, 2s);
  auto r = sampler.read();
  ASSERT_TRUE(r) << sampler.error();
  EXPECT_EQ(r->queue_depth, 800u);
  ASSERT_EQ(r->masters.size(), 3u);
  double lag = 0, memory = 0;
  for (const auto& m : r->masters) {
    // Each master's share: the entries of the shard streams its slots hold.
    long long entries = 0;
    for (int shard = 0; shard < s.redis.shards; ++shard) {
      auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
      if (c.map().owner(queue::key_slot(key))->text() == m.node) entries += integer_of(c, key, {"XLEN", key});
    }
    EXPECT_EQ(m.group_lag, static_cast<double>(entries)) << m.node;
    EXPECT_EQ(m.pending, 0.0) << m.node;
    ASSERT_TRUE(m.memory_mib && m.ops_per_s) << m.node;
    EXPECT_GT(*m.memory_mib, 0.0) << m.node;
    lag += m.group_lag;
    memory += *m.memory_mib;
  }
  EXPECT_EQ(lag, 800.0);
  ASSERT_TRUE(r->memory_mib);
  EXPECT_DOUBLE_EQ(*r->memory_mib, memory) << "the total is the masters' sum";
}

}  // namespace
}  // namespace tracepipe::test

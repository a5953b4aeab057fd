// Sink workers on a Redis Cluster (redis.cluster): every shard's stream read
// on its slot's master, inserted once and acked (XACK + XDEL there), a live
// migration of a shard's slot through the whole write path, dead letters
// kept on the shard's own slot, the load's sampler reading each master, and
// a frozen master that holds only its own shards.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "cluster_traffic.hpp"
#include "counts.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/wire_format.hpp"
#include "observe/redis_sampler.hpp"
#include "queue/cluster_consumer.hpp"
#include "sink/worker.hpp"
#include "stack/stack.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

/// Pending entries of `group` on `key`, asked on the key's master.
long long pending_of(queue::blocking_cluster& c, const std::string& key, const std::string& group) {
  auto owner = *c.map().owner(queue::key_slot(key));
  auto reply = direct(owner).command({"XPENDING", key, group});
  return reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 ? reply->element[0]->integer : 0;
}

/// Pending entries of the workers' group over every shard.
long long pending_in(queue::blocking_cluster& c, const config::settings& s) {
  long long total = 0;
  for (int shard = 0; shard < s.redis.shards; ++shard)
    total += pending_of(c, queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard)), s.worker.group);
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

TEST(ClusterWorker, AFrozenMasterHoldsOnlyItsOwnShards) {
  // Six shard streams; one master frozen for well under the
  // cluster-node-timeout (2 s: no failover). The consumer reads the other
  // masters' shards meanwhile, and keeps the acks the frozen one cannot
  // take until it answers again.
  auto s = cluster_ingest_settings("cluster_frozen", 6);
  auto c = cluster();
  queue::consumer_options co;
  co.group = s.worker.group;
  co.consumer = "frozen-test";
  for (int shard = 0; shard < s.redis.shards; ++shard)
    co.streams.push_back(queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard)));
  auto add_entries = [&] {
    for (const auto& key : co.streams)
      for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.command(key, {"XADD", key, "*", "n", std::to_string(i)}));
  };
  auto frozen = *c.map().owner(queue::key_slot(co.streams[0]));
  std::set<std::string> on_frozen;
  for (const auto& key : co.streams)
    if (*c.map().owner(queue::key_slot(key)) == frozen) on_frozen.insert(key);
  std::string name;
  auto urls = stack_redis_cluster_urls();
  for (std::size_t i = 0; i < urls.size(); ++i)
    if (urls[i].ends_with(":" + std::to_string(frozen.port))) name = fmt::format("redis:{}", i + 1);
  ASSERT_FALSE(name.empty());

  auto o = stack_cluster_options();
  o.timeout = 300ms;
  o.limits.budget = 0ms;
  queue::cluster_consumer consumer(o, co);
  ASSERT_FALSE(consumer.ensure_group()) << consumer.last_error();
  add_entries();
  std::vector<queue::stream_message> first;
  while (first.size() < 60) ASSERT_FALSE(consumer.read_new(100, 100ms, first)) << consumer.last_error();
  add_entries();

  std::vector<queue::stream_message> second;
  std::size_t expected = 10 * (co.streams.size() - on_frozen.size());
  {
    restore_guard guard{name};
    stack::pause_component(stack_dir(), name, true, std::cerr);
    auto frozen_at = std::chrono::steady_clock::now();
    std::vector<const queue::stream_message*> done;
    for (const auto& m : first) done.push_back(&m);
    EXPECT_FALSE(consumer.ack(done)) << "acks for the frozen master are kept, not failed";
    while (second.size() < expected && std::chrono::steady_clock::now() - frozen_at < 1500ms)
      consumer.read_new(100, 50ms, second);
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - frozen_at).count();
    std::cout << fmt::format("redis cluster | {} frozen: the other masters' {} entries read {:.2f} s later\n", name,
                             second.size(), took);
    for (const auto& m : second) EXPECT_FALSE(on_frozen.count(m.stream)) << m.stream;
    EXPECT_EQ(second.size(), expected);
  }  // resumed
  for (const auto& key : co.streams) {
    if (on_frozen.count(key)) continue;
    EXPECT_EQ(pending_of(c, key, s.worker.group), 10) << key << ": its first ten acked while the other was frozen";
  }
  // Answering again: the kept acks go out with the next read, which also
  // brings the frozen shards' second ten.
  EXPECT_TRUE(eventually([&] {
    consumer.read_new(100, 50ms, second);
    return second.size() == 60;
  }));
  for (const auto& key : on_frozen)
    EXPECT_EQ(pending_of(c, key, s.worker.group), 10) << key << ": its first ten acked once it answered";
}

TEST(ClusterWorker, AGoneWorkersConsumerIsRemovedOnEveryShardAndLiveOnesStay) {
  auto s = cluster_ingest_settings("cluster_expiry", 4);
  s.worker.reclaim_idle = 500ms;
  s.worker.consumer_expiry = 3s;
  ingest_under_test ingest(s);
  auto ops = send_runs(ingest.url(), sink_runs(80, 33));
  // A gone worker holding entries of every shard.
  queue::consumer_options o;
  for (int shard = 0; shard < s.redis.shards; ++shard)
    o.streams.push_back(queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard)));
  o.group = s.worker.group;
  o.consumer = "gone-0";
  queue::cluster_consumer gone(stack_cluster_options(), o);
  ASSERT_FALSE(gone.ensure_group()) << gone.last_error();
  std::vector<queue::stream_message> held;
  ASSERT_FALSE(gone.read_new(40, 100ms, held)) << gone.last_error();
  ASSERT_GE(held.size(), 4u);

  expect_gone_consumer_removed(s, gone, ops, held.size());
  auto c = cluster();
  EXPECT_EQ(entries_in(c, s), 0);
}

}  // namespace
}  // namespace tracepipe::test

// The Redis Cluster under load, run as the fault suite runs its scenarios
// (tests/faults): `tracepipe ingest`, a worker and `tracepipe load` as
// processes on the cluster (six shards over three masters), one master
// killed or frozen, every acknowledged operation reconciled and the counts
// printed. Each test gives the master its role back afterwards (CLUSTER
// FAILOVER on it once it is a replica again), so the tests after it find
// redis:1 … redis:3 the masters.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "cluster_support.hpp"
#include "counts.hpp"
#include "stack/stack.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> six_shards{"--shards", "6"};

/// The stack component ("redis:N") that is the master of `key`'s slot now.
std::string master_of(const std::string& key) {
  auto c = cluster();
  auto owner = *c.map().owner(queue::key_slot(key));
  auto urls = stack_redis_cluster_urls();
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto e = *common::parse_redis_url(urls[i]);
    if (e.host == owner.host && e.port == owner.port) return fmt::format("redis:{}", i + 1);
  }
  throw std::runtime_error(owner.text() + " is not a node of the stack");
}

/// ROLE's first word ("master", "slave"), "" while the node does not
/// answer; a replica's link state ("connected", "sync" …) into *link.
std::string role_of(const queue::cluster_node& n, std::string* link = nullptr) {
  try {
    auto role = direct(n).command({"ROLE"});
    if (!role || role->type != REDIS_REPLY_ARRAY || role->elements == 0) return "";
    // A replica: ["slave", master host, master port, state, offset].
    if (link && role->elements > 3 && role->element[3]->str) *link = role->element[3]->str;
    return role->element[0]->str ? role->element[0]->str : "";
  } catch (const std::exception&) {
    return "";
  }
}

/// Waits until `name`, back after a fault, is a replica in sync, then makes
/// it the master again with a coordinated CLUSTER FAILOVER (no write lost).
void give_back_master(const std::string& name) {
  auto urls = stack_redis_cluster_urls();
  auto e = *common::parse_redis_url(urls.at(std::stoul(name.substr(6)) - 1));
  queue::cluster_node node{e.host, e.port};
  std::string link;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!(role_of(node, &link) == "slave" && link == "connected")) {
    if (role_of(node) == "master") return;  // it never lost the role
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(name + " did not rejoin as a replica");
    std::this_thread::sleep_for(200ms);
  }
  if (text(direct(node).command({"CLUSTER", "FAILOVER"})) != "OK") throw std::runtime_error("CLUSTER FAILOVER refused");
  while (role_of(node) != "master") {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(name + " did not become master again");
    std::this_thread::sleep_for(200ms);
  }
}

/// One scenario: ingest (with `ingest_flags`) and a worker on six shards,
/// the load at 2,000 runs/s for `duration`, `fault` on shard 0's master 5 s in.
jepsen_counts run_scenario(const std::string& name, std::vector<std::string> ingest_flags, const std::string& duration,
                           const std::function<void(const std::string& master)>& fault) {
  write_path path(name);
  ingest_flags.insert(ingest_flags.end(), six_shards.begin(), six_shards.end());
  path.start_ingest({}, ingest_flags);
  path.start_worker({}, six_shards);
  auto master = master_of(fmt::format("fault:{}:{{0}}", name));
  jepsen_counts c;
  {
    restore_guard guard{master};
    c = under_load(path, {.rate = 2000, .duration = duration, .extra = six_shards}, [&] { fault(master); });
  }
  give_back_master(master);
  return c;
}

TEST(RedisClusterFaults, MasterKilledWithoutWaitLossIsCounted) {
  auto c = run_scenario("rc_kill_wait0", {}, "20s", [](const std::string& master) {
    stack::kill_component(stack_dir(), master, std::cerr);
    std::this_thread::sleep_for(10s);
    stack::start_component(stack_dir(), master, std::cerr);
  });
  record("RC1 Redis master kill -9, replica promoted (wait_replicas 0)", c);
  // Replication is asynchronous: what the master acknowledged and had not
  // yet sent its replica is gone with it. Counted above, bounded here.
  EXPECT_FALSE(c.reconcile_timed_out);
  EXPECT_EQ(c.duplicated_after_dedup, 0u);
  EXPECT_GT(c.acknowledged, 0u);
  EXPECT_LE(c.lost * 100, c.acknowledged) << "more than 1% lost: more than a replication window";
}

TEST(RedisClusterFaults, MasterKilledWithWaitOneLosesNothing) {
  auto c = run_scenario("rc_kill_wait1", {"--wait-replicas", "1"}, "20s", [](const std::string& master) {
    stack::kill_component(stack_dir(), master, std::cerr);
    std::this_thread::sleep_for(10s);
    stack::start_component(stack_dir(), master, std::cerr);
  });
  record("RC2 Redis master kill -9, replica promoted (wait_replicas 1)", c);
  expect_nothing_lost(c);
}

TEST(RedisClusterFaults, MasterPausedTwentySecondsLosesNothing) {
  auto c = run_scenario("rc_pause", {"--wait-replicas", "1"}, "30s", [](const std::string& master) {
    stack::pause_component(stack_dir(), master, true, std::cerr);
    std::this_thread::sleep_for(20s);
    stack::pause_component(stack_dir(), master, false, std::cerr);
  });
  record("RC3 Redis master SIGSTOP 20 s, replica promoted (wait_replicas 1)", c);
  expect_nothing_lost(c);
}

}  // namespace
}  // namespace tracepipe::test

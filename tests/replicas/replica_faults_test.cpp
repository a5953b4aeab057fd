// Replica faults under a steady load, counted as the fault suite counts
// (tests/faults/README.md): ingest and a worker as processes on the
// replicated stack, `tracepipe load --stack` reconciling every acknowledged
// operation — against the first replica, which no scenario here breaks —
// and then every replica checked to hold exactly what the first holds.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "counts.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

/// Seconds until every replica holds what the first holds (nullopt: not within `limit`).
std::optional<double> replicas_converge(const write_path& path, std::chrono::seconds limit) {
  auto t0 = clock_type::now();
  while (seconds_since(t0) < static_cast<double>(limit.count())) {
    auto h = path.holdings();
    if (std::all_of(h.begin(), h.end(), [&](const replica_holding& r) { return r.same_operations(h.front()); }))
      return seconds_since(t0);
    std::this_thread::sleep_for(200ms);
  }
  return std::nullopt;
}

/// Lost 0 and no duplicate after FINAL on every replica: the reconcile found
/// every acknowledged operation on the first, and each other holds the same.
void expect_every_replica_whole(const write_path& path, const jepsen_counts& c, const std::string& scenario) {
  expect_nothing_lost(c);
  // The load's visibility probe followed runs onto every replica.
  EXPECT_EQ(c.replicas, 3u);
  EXPECT_GT(c.probes_on_every_replica, 0u);
  std::cout << fmt::format("replicas | {} | {} probes seen on every replica, replication lag max {:.0f} ms\n", scenario,
                           c.probes_on_every_replica, c.replication_lag_max_ms);
  auto converged = replicas_converge(path, 120s);
  ASSERT_TRUE(converged) << "the replicas did not converge within 120 s";
  std::cout << fmt::format("replicas | {} | identical {:.1f} s after the load ended\n", scenario, *converged);
  for (const auto& h : path.holdings()) {
    SCOPED_TRACE(h.url);
    EXPECT_GE(h.operations, c.acknowledged - c.lost);
    // Nothing here sends an operation twice but a retried insert, which
    // block deduplication must recognise: not even before merges a double.
    EXPECT_EQ(h.rows, h.operations);
    EXPECT_EQ(h.after_dedup, 0u);
    std::cout << fmt::format("replica | {} | {} operations, {} rows before merges\n", h.url, h.operations, h.rows);
  }
}

/// After a passing scenario its tables go (ON CLUSTER): three replicas
/// merging a quarter of a million rows each would slow the tests after it.
void drop_when_passed(const write_path& path) {
  if (::testing::Test::HasFailure()) return;  // kept, with the stack, for a look
  path.clickhouse_scalar("DROP DATABASE IF EXISTS " + path.database() + " ON CLUSTER `" +
                         stack_env().at("CLICKHOUSE_CLUSTER") + "`");
}


TEST(ReplicaFaults, ReplicaKilledAndRestartedAfterTwentySeconds) {
  write_path path("replica_kill");
  path.start_ingest();
  path.start_worker();
  restore_guard guard{"clickhouse:2"};
  double catch_up_s = -1;
  auto c = under_load(path, {.duration = "40s"}, [&] {
    stack::kill_component(stack_dir(), "clickhouse:2", std::cerr);
    std::this_thread::sleep_for(20s);
    stack::start_component(stack_dir(), "clickhouse:2", std::cerr);
    // Caught up: it holds at least what the first replica held at its restart.
    auto restarted = clock_type::now();
    auto target = path.holdings().front().operations;
    while (seconds_since(restarted) < 90 && path.holdings().at(1).operations < target) std::this_thread::sleep_for(200ms);
    catch_up_s = seconds_since(restarted);
  });
  record("R1 replica kill -9, restarted after 20 s", c);
  std::cout << fmt::format("replicas | R1 | the restarted replica caught up {:.1f} s after its start\n", catch_up_s);
  expect_every_replica_whole(path, c, "R1");
  drop_when_passed(path);
}

TEST(ReplicaFaults, ReplicaPausedTwentySeconds) {
  write_path path("replica_pause");
  path.start_ingest();
  path.start_worker();
  restore_guard guard{"clickhouse:3"};
  auto c = under_load(path, {.duration = "30s"}, [] {
    stack::pause_component(stack_dir(), "clickhouse:3", true, std::cerr);
    std::this_thread::sleep_for(20s);
    stack::pause_component(stack_dir(), "clickhouse:3", false, std::cerr);
  });
  // An insert sent to the frozen replica times out and goes to another; the
  // frozen one, resumed, completes it too. Block deduplication recognises
  // the copy (the same bytes, the same hash): rows = operations, checked.
  record("R2 replica SIGSTOP 20 s", c);
  // Inserts kept flowing through the others: the load's rate was held.
  EXPECT_GT(c.achieved_rate, 0.9 * 3000);
  // What a user behind a load balancer meets: runs on two replicas, not on
  // the third for as long as it was frozen.
  EXPECT_GT(c.replication_lag_max_ms, 5000);
  expect_every_replica_whole(path, c, "R2");
  drop_when_passed(path);
}

TEST(ReplicaFaults, ZooKeeperStoppedTwentySeconds) {
  write_path path("zookeeper_stop");
  path.start_ingest();
  path.start_worker();
  restore_guard guard{"zookeeper"};
  double recovered_s = -1;
  auto c = under_load(path, {.duration = "35s"}, [&] {
    stack::stop_component(stack_dir(), "zookeeper", std::cerr);
    std::this_thread::sleep_for(20s);
    stack::start_component(stack_dir(), "zookeeper", std::cerr);
    // Recovered: an insert is accepted again (the tables leave read-only).
    auto back = clock_type::now();
    auto rows = [&] { return path.holdings().front().rows; };
    auto before = rows();
    while (seconds_since(back) < 90 && rows() == before) std::this_thread::sleep_for(200ms);
    recovered_s = seconds_since(back);
  });
  record("R3 ZooKeeper stopped 20 s", c);
  std::cout << fmt::format("replicas | R3 | inserts accepted again {:.1f} s after ZooKeeper returned\n", recovered_s);
  // The worker held and retried: ClickHouse refused with its own error, logged.
  EXPECT_GT(c.acknowledged, 0u);
  expect_every_replica_whole(path, c, "R3");
  drop_when_passed(path);
}

}  // namespace
}  // namespace tracepipe::test

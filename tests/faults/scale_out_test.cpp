// Scenario 9: processes that come and go (issue 22). Two ingest processes
// share one port with ingest.reuse_port — the kernel spreads new
// connections over their listeners as a Kubernetes Service spreads them over
// pods — and three workers share the consumer group, under the other
// scenarios' load. During it: a worker killed (SIGKILL), one added, one
// drained (SIGTERM), and an ingest killed (SIGKILL) and started again.
//
// What the load generator sees when an ingest goes away (as an SDK would):
// its connections to that process are gone — a request in flight gets no
// answer (reset or EOF), an idle keep-alive connection fails on its next
// request — each counted as an error and sent again after a backoff (0.25 s,
// doubling), as the SDKs retry network errors. The new connection lands on
// the ingest left (a dead listener leaves the port's group at once), so none
// is refused while one lives. A request whose runs reached Redis before the
// kill, sent again, shows as duplicates before merges (after FINAL: none);
// one never answered however often sent would be "recovered". Connections
// stay where they are: the restarted ingest gets only new ones.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "counts.hpp"
#include "loadgen/http_client.hpp"
#include "observe/prometheus_text.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Established TCP connections to `port` that process `pid` holds (the
/// sockets its listener accepted): its socket fds matched with /proc/net/tcp.
std::size_t connections_held(int pid, int port) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    auto target = std::filesystem::read_symlink(fd.path(), ec).string();  // "socket:[12345]"
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::ifstream tcp("/proc/net/tcp");  // IPv4: everything here is on 127.0.0.1
  std::size_t held = 0;
  std::string line;
  std::getline(tcp, line);  // the header
  while (std::getline(tcp, line)) {
    std::istringstream in(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    in >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    bool ours = std::stoi(local.substr(local.find(':') + 1), nullptr, 16) == port;
    if (ours && state == "01" && inodes.count(inode)) ++held;  // 01: ESTABLISHED
  }
  return held;
}

/// Bytes a process has written with write(2) (wchar of /proc/PID/io): for
/// an ingest, the XADDs hiredis sends to Redis (Asio's sendmsg to clients is
/// not counted).
std::uint64_t bytes_written(int pid) {
  std::ifstream io(fmt::format("/proc/{}/io", pid));
  for (std::string line; std::getline(io, line);)
    if (line.rfind("wchar:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

/// SIGKILL; true when the process was running until then and died by it.
bool kill_9(child_process& p) {
  ::kill(p.pid(), SIGKILL);
  auto status = p.wait_exit(10s);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

/// A counter of worker `consumer`'s /metrics (its port is in its log).
double worker_counter(const write_path& path, const std::string& consumer, const std::string& name) {
  std::string said;
  auto port = wait_for_in_log(path.log_path("worker-" + consumer), std::regex(R"(metrics on http://[\d.]+:(\d+)/)"), said);
  if (!port) throw std::runtime_error("worker " + consumer + " printed no metrics port: " + said);
  auto page = loadgen::http_client("http://127.0.0.1:" + *port, 5s).request("GET", "/metrics").body;
  return observe::sum_of(observe::parse_prometheus_text(page), name).value_or(0);
}

/// Opens 32 kept-alive connections to the port, each answered (so
/// accepted), and counts them per ingest process while they are open.
std::vector<std::size_t> spread_of_new_connections(const write_path& path, const std::vector<child_process*>& ingests) {
  std::vector<std::unique_ptr<loadgen::http_client>> clients;
  for (int i = 0; i < 32; ++i) {
    clients.push_back(std::make_unique<loadgen::http_client>(path.url(), 5s));
    if (clients.back()->request("GET", "/ok").status != 200) throw std::runtime_error("GET /ok failed");
  }
  std::vector<std::size_t> held;
  for (auto* p : ingests) held.push_back(connections_held(p->pid(), path.port()));
  return held;
}

std::uint64_t held_by(const write_path::group_pending& p, const std::string& worker) {
  std::uint64_t n = 0;
  for (const auto& [consumer, count] : p.by_consumer)
    if (consumer.rfind(worker + "-", 0) == 0) n += count;
  return n;
}

bool listed(const std::vector<std::string>& consumers, const std::string& worker) {
  for (const auto& c : consumers)
    if (c.rfind(worker + "-", 0) == 0) return true;
  return false;
}

TEST(Faults, ProcessesThatComeAndGo) {
  write_path path("scale_out");
  const std::vector<std::string> reuse{"--reuse-port", "true"};
  std::vector<child_process*> ingests{&path.start_ingest({}, reuse), &path.start_ingest({}, reuse)};
  // Without the option a second process cannot bind the port at all.
  EXPECT_THROW(path.start_ingest(), std::runtime_error) << "an ingest without --reuse-port shared the port";

  // The kernel spreads new connections over both listeners: 32 of them all
  // on one of two would happen with p = 2^-31.
  auto spread = spread_of_new_connections(path, ingests);
  std::cout << fmt::format("scale out: 32 new connections → the ingests hold {} and {}", spread[0], spread[1]) << std::endl;
  EXPECT_EQ(spread[0] + spread[1], 32u);
  EXPECT_GT(spread[0], 0u);
  EXPECT_GT(spread[1], 0u);

  // A gone worker's consumers are removed once empty: an expiry above the
  // reclaim idle (10 s) that passes within the test; drains within 10 s.
  const std::vector<std::string> worker_flags{"--consumer-expiry", "15s", "--shutdown-deadline", "10s"};
  auto& w1 = path.start_worker({}, worker_flags);
  auto& w2 = path.start_worker({}, worker_flags);
  path.start_worker({}, worker_flags);  // w3
  path.start_load({.duration = "20s"});

  std::this_thread::sleep_for(5s);
  ASSERT_TRUE(kill_9(w1)) << "worker w1 was not running until killed";
  auto w1_held = held_by(path.pending(), "w1");
  std::cout << fmt::format("scale out: w1 killed holding {} entries", w1_held) << std::endl;
  EXPECT_GT(w1_held, 0u) << "the killed worker held nothing: its reclaim is not tested";

  std::this_thread::sleep_for(2s);
  path.start_worker({}, worker_flags);  // w4, takes its share at once

  std::this_thread::sleep_for(2s);
  auto drain_start = clock_type::now();
  ::kill(w2.pid(), SIGTERM);
  auto drained = w2.wait_exit(12s);  // its deadline, and a moment to leave the group and exit
  auto drain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - drain_start).count();
  std::cout << fmt::format("scale out: w2 drained in {} ms", drain_ms) << std::endl;
  ASSERT_TRUE(drained) << "the drained worker did not exit within its deadline";
  EXPECT_TRUE(WIFEXITED(*drained) && WEXITSTATUS(*drained) == 0) << "status " << *drained;
  EXPECT_EQ(held_by(path.pending(), "w2"), 0u) << "the drained worker left entries pending to itself";
  EXPECT_FALSE(listed(path.consumers(), "w2")) << "the drained worker did not leave the group";

  // The ingest enqueueing the load's runs now: few of the load's
  // connections are busy (a free one is reused first), and which ingest
  // holds those is chance.
  std::this_thread::sleep_for(1s);
  std::uint64_t before[2] = {bytes_written(ingests[0]->pid()), bytes_written(ingests[1]->pid())};
  std::this_thread::sleep_for(1s);
  std::uint64_t sent[2] = {bytes_written(ingests[0]->pid()) - before[0], bytes_written(ingests[1]->pid()) - before[1]};
  int k = sent[0] >= sent[1] ? 0 : 1;
  auto* doomed = ingests[k];
  std::cout << fmt::format("scale out: in 1 s ingest 1 sent Redis {} B, ingest 2 {} B, holding {} and {} of the load's "
                           "connections; killing ingest {}",
                           sent[0], sent[1], connections_held(ingests[0]->pid(), path.port()),
                           connections_held(ingests[1]->pid(), path.port()), k + 1)
            << std::endl;
  ASSERT_TRUE(kill_9(*doomed)) << "the ingest was not running until killed";
  std::this_thread::sleep_for(2s);
  auto& restarted = path.start_ingest({}, reuse);

  // The load's connections stay with the ingest left (keep-alive) …
  std::this_thread::sleep_for(4s);
  auto* survivor = doomed == ingests[0] ? ingests[1] : ingests[0];
  std::cout << fmt::format("scale out: near the load's end the ingest left holds {} of its connections, the restarted {}",
                           connections_held(survivor->pid(), path.port()), connections_held(restarted.pid(), path.port()))
            << std::endl;

  auto c = path.finish_load();
  // … and new ones reach the restarted one too.
  spread = spread_of_new_connections(path, {survivor, &restarted});
  std::cout << fmt::format("scale out: 32 new connections → the ingest left holds {}, the restarted {}", spread[0],
                           spread[1])
            << std::endl;
  EXPECT_GT(spread[1], 0u) << "the restarted ingest took no new connection";
  record("9 scale out: 2 ingest (reuse_port) + 3 workers; worker kill -9, +1, drain; ingest kill -9, restart", c);
  expect_nothing_lost(c);
  EXPECT_GT(c.errors, 0u) << "the killed ingest's connections failed no request";
  EXPECT_GT(c.retries, 0u);

  // The killed worker's entries were reclaimed, then its consumers removed;
  // the drained one left; the live ones stay (their heartbeats).
  const std::vector<std::string> live{"w3-0", "w3-1", "w4-0", "w4-1"};
  auto deadline = clock_type::now() + 60s;
  while ((path.pending().total != 0 || path.consumers() != live) && clock_type::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(path.pending().total, 0u) << "entries left pending in the group";
  EXPECT_EQ(path.consumers(), live) << ::testing::PrintToString(path.consumers());
  EXPECT_GT(worker_counter(path, "w4", "tracepipe_sink_rows_inserted_total"), 0) << "the added worker took no share";
  auto reclaimed = worker_counter(path, "w3", "tracepipe_sink_reclaimed_total") +
                   worker_counter(path, "w4", "tracepipe_sink_reclaimed_total");
  EXPECT_GE(reclaimed, static_cast<double>(w1_held));
  // w1-0 and w1-1, each removed by w3, w4 or both in one round.
  auto removed = worker_counter(path, "w3", "tracepipe_sink_consumers_removed_total") +
                 worker_counter(path, "w4", "tracepipe_sink_consumers_removed_total");
  EXPECT_GE(removed, 2);
  EXPECT_LE(removed, 4);
}

}  // namespace
}  // namespace tracepipe::test

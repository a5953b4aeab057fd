#pragma once
// One fault scenario's write path as real processes on the test stack:
// `tracepipe ingest` on a port fixed for the scenario (so it can be killed
// and started again under the same URL; with --reuse-port several share it),
// `tracepipe worker`s, and
// `tracepipe load --stack` driving it and reconciling every acknowledged
// operation at the end. Each scenario has its own stream, consumer group and
// ClickHouse database; logs go to the stack's logs/ directory.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace tracepipe::test {

/// What `tracepipe load` is asked to do.
struct load_plan {
  double rate = 3000;              ///< runs/s (each a post and a patch: two operations)
  std::string duration = "15s";
  int batch_size = 50;
  std::string reconcile_timeout = "120s";  ///< 0: no reconcile
  std::vector<std::string> extra{};  ///< more `tracepipe load` flags
};

/// A scenario's figures, as Jepsen's queue checker reports them, in
/// operations (a run's post and its patch are one each).
struct jepsen_counts {
  std::uint64_t attempted = 0;     ///< sent at least once
  std::uint64_t acknowledged = 0;  ///< answered 2xx
  std::uint64_t lost = 0;          ///< acknowledged, never found in ClickHouse
  std::uint64_t duplicated = 0;    ///< extra rows ClickHouse held at the reconcile (before merges)
  std::uint64_t duplicated_after_dedup = 0;  ///< (id, kind) with more than one row after FINAL
  std::uint64_t recovered = 0;     ///< found in ClickHouse though never acknowledged
  std::uint64_t retries = 0, errors = 0, rejected_429 = 0, rejected_503 = 0, dropped = 0;
  double achieved_rate = 0;        ///< runs/s
  // a replicated stack's visibility, from summary.json (0 on a single server)
  std::uint64_t replicas = 0;
  std::uint64_t probes_on_every_replica = 0;  ///< probes followed until every replica had them
  double replication_lag_max_ms = 0;          ///< first replica → every replica, worst probe
  bool reconcile_timed_out = true;
  /// One line for the log and tests/faults/README.md's table.
  std::string line(const std::string& scenario) const;
};

/// What one ClickHouse server of the stack (the only one, or a replica)
/// holds of a scenario's table.
struct replica_holding {
  std::string url;
  std::uint64_t rows = 0;         ///< raw, before merges
  std::uint64_t operations = 0;   ///< distinct (id, kind)
  std::uint64_t after_dedup = 0;  ///< (id, kind) with more than one row under FINAL
  std::uint64_t checksum = 0;     ///< sum of cityHash64(id, kind) over the distinct operations
  /// Holds exactly the operations `other` holds (count and checksum).
  bool same_operations(const replica_holding& other) const {
    return operations == other.operations && checksum == other.checksum;
  }
};

class write_path {
 public:
  /// Names the stream "fault:<name>", group "g-<name>", database
  /// "fault_<name>" (dropped first), and picks the ingest port.
  explicit write_path(std::string name);
  ~write_path();  ///< kills whatever of it still runs

  /// Starts an ingest and waits until it listens and /ready answers 200.
  /// Each has a log of its own: "ingest", then "ingest-2", "ingest-3" …
  child_process& start_ingest(const child_process::environment& env = {}, std::vector<std::string> extra = {});
  child_process& ingest() { return ingests_.back(); }  ///< the last started
  /// Starts a worker with its own consumer name (fast reclaim and retries):
  /// w1, w2 … in start order, its pipelines' consumers w1-0, w1-1 …
  child_process& start_worker(const child_process::environment& env = {}, std::vector<std::string> extra = {});
  /// Starts `tracepipe load --stack` against ingest; its report goes to the stack's dir.
  void start_load(const load_plan& plan);
  /// Waits for the load (and its reconcile) to end; the counts of its summary.json.
  jepsen_counts finish_load();

  std::string url() const;
  int port() const { return port_; }
  const std::string& database() const { return database_; }
  /// First column of the first row of `sql` on the stack's (first) ClickHouse, or on `url`.
  std::string clickhouse_scalar(const std::string& sql, const std::string& url = {}) const;
  /// Each ClickHouse server's holding of this scenario's table, in stack order.
  std::vector<replica_holding> holdings() const;
  /// The log file of a process of this scenario.
  std::string log_path(const std::string& process) const;

  /// The group's pending entries (XPENDING's summary): in all, and by consumer.
  struct group_pending {
    std::uint64_t total = 0;
    std::map<std::string, std::uint64_t> by_consumer;  ///< only those holding some
  };
  group_pending pending() const;
  /// The group's consumers as XINFO CONSUMERS lists them, in name order.
  std::vector<std::string> consumers() const;

 private:
  std::string name_, stream_, group_, database_;
  int port_ = 0;
  int workers_started_ = 0;
  std::unique_ptr<child_process> load_;
  std::deque<child_process> ingests_, workers_;  // a deque: references stay valid as more start
  std::string out_dir_;
};

/// Resident set high-water mark of a process (VmHWM), in bytes; 0 if unreadable.
std::uint64_t peak_rss_bytes(int pid);

/// Sends one Redis command to the stack's Redis and returns the reply as text.
std::string redis_command(const std::vector<std::string>& args);

}  // namespace tracepipe::test

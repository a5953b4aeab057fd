#pragma once
// What the sink integration tests share: settings for ingest + workers on the
// test stack, isolated per test (own stream, consumer group, database), a
// ClickHouse probe, and sending SDK-shaped runs with large payloads.
#include <map>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "loadgen/run_factory.hpp"
#include "queue/stream_consumer.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::test {

/// Stream "test:<name>", group "g-<name>", database "test_<name>" (dropped
/// first, ON CLUSTER on a replicated stack), batches of 200 ms, fast reclaim
/// and retries; every ClickHouse server of the stack, and its cluster.
config::settings sink_settings(const std::string& name);

/// Queries against the test ClickHouse: its only server, or one replica.
class clickhouse_probe {
 public:
  explicit clickhouse_probe(const config::settings& s, std::size_t replica = 0);
  /// The first column of the first row, as text ("" when none).
  std::string scalar(const std::string& sql);
  std::uint64_t count(const std::string& sql) { auto v = scalar(sql); return v.empty() ? 0 : std::stoull(v); }
  /// Every row as column → value (JSONEachRow, numbers as text).
  std::vector<std::map<std::string, std::string>> rows(const std::string& sql);
  /// Distinct (id, kind) rows after dedup, rows before dedup.
  std::uint64_t distinct_ops();
  std::uint64_t raw_rows();
  /// (id, kind) with more than one row under FINAL: 0 when deduplication holds.
  std::uint64_t duplicates_after_final();
  std::string table() const { return table_; }
  /// Creates the settings' table with a tenant column of numbers (schema
  /// drift): a run from a tenant such as "bad" is a row ClickHouse refuses,
  /// every other row is fine.
  void create_table_refusing_text_tenants(const config::settings& s);

 private:
  sink::clickhouse_client client_;
  std::string table_;
};

/// Runs with a payload mix: every `large_every`-th run's inputs are
/// `large_bytes` (over the 20 KiB blob threshold); roots carry an attachment
/// when sent as multipart.
std::vector<loadgen::generated_run> sink_runs(std::size_t n, std::uint64_t seed, std::size_t large_every = 5,
                                              std::size_t large_bytes = 30 * 1024);

/// Sends runs (post + patch each) through ingest at `url`, alternating batch
/// and multipart requests of `per_request` runs. Returns operations accepted.
std::size_t send_runs(const std::string& url, const std::vector<loadgen::generated_run>& runs,
                      std::size_t per_request = 50);

/// Restarts a stopped stack component ("s3", "clickhouse" …) whatever happens to the test.
struct restart_guard {
  std::string name;
  ~restart_guard();
};

/// XPENDING of the settings' single shard for its group: entries delivered, not acked.
std::uint64_t pending(const config::settings& s);

/// With the stack's S3 stopped and a worker on `s` started: it reads all
/// `ops` entries and holds them (pending, and still no row 2 s later); then
/// S3 is started and every operation lands in ClickHouse (distinct_ops).
void expect_held_until_s3_returns(const config::settings& s, std::size_t ops, clickhouse_probe& ch);

/// The group's consumers `c` sees, each once, in name order (a failure to list is a test failure).
std::vector<std::string> consumer_names(queue::stream_consumer& c);

/// Two workers ("w1", "w2", two pipelines each) on `s` while `gone` — the
/// consumer of a worker that died — holds `held` entries: all `ops`
/// operations in ClickHouse once, `gone` removed from the group once its
/// entries are reclaimed, the live consumers kept while idle past
/// worker.consumer_expiry (their heartbeats), none left once both drained.
void expect_gone_consumer_removed(const config::settings& s, queue::stream_consumer& gone, std::size_t ops,
                                  std::size_t held);

}  // namespace tracepipe::test

#pragma once
// The ClickHouse schema of the runs table and every statement the sink and
// the reports send, for a given server version. Each statement must also run
// on a modern engine (tests/chdb checks them on ClickHouse 26.x).
//
// One row per run operation: the post and the patch of a run are two rows
// (ORDER BY id, kind), so neither overwrites the other; re-inserts of the
// same operation collapse (ReplacingMergeTree). The `<table>_merged` view
// applies patches: per column, a non-empty value of the patch wins.
//
// The project index `<table>_by_project` (clickhouse.project_index) holds each post's filter columns
// keyed (tenant, project, start_time_us, id), filled by a materialized
// view: project and time-window reads pick their page's ids there (one key
// range of narrow rows) and merge only those runs by id, so the runs table
// keeps the key that serves the write path and readRun. It may hold a
// re-sent post twice until a merge: readers take one row per id.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sink/clickhouse_version.hpp"

namespace tracepipe::sink {

/// Payload fields that may be offloaded to S3: each has <f>, <f>_s3 and <f>_bytes columns.
inline constexpr const char* payload_fields[] = {"inputs", "outputs", "events", "extra", "error", "serialized"};

struct schema_names {
  std::string database = "tracepipe";
  std::string table = "runs";
  /// Non-empty: every statement runs ON CLUSTER and the table is
  /// ReplicatedReplacingMergeTree, one replica per server of the cluster.
  std::string cluster = {};
  /// Langfuse's tables beside the runs table: <prefix>traces, <prefix>observations, <prefix>scores.
  std::string langfuse_prefix = "langfuse_";
  std::string qualified() const { return database + "." + table; }
};

/// A string literal for SQL: quoted, ' and \ escaped.
std::string sql_string(std::string_view s);

/// The table's path in ZooKeeper: per shard, per database and table. Spelled
/// out, not left to the server's default_replica_path, which 18.16 lacks.
std::string zookeeper_path(const schema_names& names);

/// The runs table's ORDER BY, without parentheses.
extern const char* const sorting_key;

/// The project index's names: its table "<table>_by_project" beside the runs table.
schema_names project_index_names(const schema_names& names);
/// Its qualified name.
std::string project_index(const schema_names& names);

/// Copies the posts already in the runs table into the project index: for a
/// runs table made before the index (its view sees new inserts only).
std::string project_index_backfill(const schema_names& names);

/// Each run as one row, its patches applied (what the `<table>_merged` view
/// holds): per column a set value over an empty one, then the patch over the
/// post, then the newer. `where` (without WHERE) picks the rows merged, e.g.
/// "id = '…'"; empty: all.
std::string merged_select(const schema_names& names, std::string_view where = {});

/// MergeTree limits the runs table is created with (0: the server's own).
struct table_limits {
  int parts_to_delay_insert = 0;
  int parts_to_throw_insert = 0;
};

/// CREATE DATABASE, the runs table, the project index and its
/// materialized view (with `project_index`), Langfuse's three tables
/// (langfuse_schema.hpp), then the `<table>_merged` view (last) — all IF NOT
/// EXISTS, and ON CLUSTER when the names have a cluster.
std::vector<std::string> schema_ddl(const schema_names& names, const clickhouse_version& version,
                                    const table_limits& limits = {}, bool project_index = true);

/// CREATE TABLE IF NOT EXISTS `names`.table with `columns`, as the runs
/// table is made: ReplacingMergeTree(`version_column`), Replicated and ON
/// CLUSTER on a cluster, the same deduplication window and rows per mark.
std::string replacing_table_ddl(const schema_names& names, const clickhouse_version& version, std::string_view columns,
                                std::string_view version_column, std::string_view partition_by,
                                std::string_view order_by);

/// Why an existing table does not have the limits asked for, judged on its
/// system.tables engine_full; nullopt when it has them (or none were asked).
/// 18.16 has no ALTER … MODIFY SETTING: such a table must be made anew.
std::optional<std::string> limits_mismatch(const schema_names& names, std::string_view engine_full,
                                           const table_limits& limits);

/// Which of the runs table, its project index and Langfuse's tables exist,
/// with their engines: "name<TAB>engine" lines (existing_tables reads them).
std::string existing_tables_query(const schema_names& names);

struct existing_tables {
  std::string runs_engine;     ///< engine of the runs table; empty when there is none
  bool project_index = false;  ///< its project index exists
  bool langfuse_tables = false;  ///< all three of Langfuse's tables exist
};
existing_tables parse_existing_tables(std::string_view tsv, const schema_names& names);

/// The table's engine_full from system.tables: one line, empty if no such table.
std::string engine_full_query(const schema_names& names);

struct insert_options {
  bool async_insert = true;            ///< where the server has it
  bool wait_for_async_insert = true;
  std::size_t async_insert_busy_timeout_ms = 200;
  std::size_t async_insert_max_data_size = 10 << 20;
  int insert_quorum = 0;  ///< 0: not sent
};

/// URL settings for one INSERT: only those the server knows. `dedup_token`
/// makes a re-sent batch collapse where the server supports it.
std::vector<std::pair<std::string, std::string>> insert_settings(const clickhouse_version& version,
                                                                 const insert_options& options,
                                                                 const std::string& dedup_token);

/// Row count, then p50, p90, p99 and max of inserted_at − received_at (ms)
/// over rows received in the last `seconds`; one TSV line (see lag.hpp).
std::string lag_query(const schema_names& names, long long seconds);

}  // namespace tracepipe::sink

#include "sink/schema.hpp"

#include "sink/langfuse_schema.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tracepipe::sink {

namespace {

/// " ON CLUSTER `c`", or nothing on a single server.
std::string on_cluster(const schema_names& n) {
  return n.cluster.empty() ? std::string() : fmt::format(" ON CLUSTER `{}`", n.cluster);
}

/// The engine: on a cluster, each replica's copy is kept in step through ZooKeeper
/// and a block inserted twice (a retried batch) is stored once.
std::string engine(const schema_names& n, std::string_view version_column = "version") {
  if (!n.cluster.empty())
    return fmt::format("ReplicatedReplacingMergeTree('{}', '{{replica}}', {})", zookeeper_path(n), version_column);
  return fmt::format("ReplacingMergeTree({})", version_column);
}

/// The limits by their MergeTree names.
std::vector<std::pair<std::string_view, int>> limit_settings(const table_limits& l) {
  return {{"parts_to_delay_insert", l.parts_to_delay_insert}, {"parts_to_throw_insert", l.parts_to_throw_insert}};
}

/// Rows per mark of the runs table: ids are random, so a read of N runs
/// (readRun, a page's merge step) reads about N granules whole; 1024 rows
/// rather than 8192 made readRun 2.5x and a page's merge 3x lighter in
/// bench/read_bench.sh, for 8x more primary-index marks in memory (about
/// 40 MB per billion rows).
constexpr int runs_index_granularity = 1024;

/// The table's SETTINGS. How many recent blocks (or insert_deduplication_tokens) a re-sent one is
/// recognised among. Replicated tables keep them in ZooKeeper, 100 by
/// default: a replica frozen for 20 s under ten inserts a second finishes
/// its stale insert after more than that. insert_deduplication_token only
/// dedups on a plain MergeTree with a window.
std::vector<std::string> table_settings(const schema_names& n, const clickhouse_version& version,
                                        const table_limits& limits) {
  std::vector<std::string> out;
  if (!n.cluster.empty()) out.emplace_back("replicated_deduplication_window = 1000");
  else if (version.has_insert_deduplication_token()) out.emplace_back("non_replicated_deduplication_window = 1000");
  for (const auto& [name, value] : limit_settings(limits))
    if (value > 0) out.push_back(fmt::format("{} = {}", name, value));
  out.push_back(fmt::format("index_granularity = {}", runs_index_granularity));
  return out;
}

/// What stamps inserted_at_us. The server, with its best clock — except on a
/// cluster without insert_deduplication_token (before 22.2, so 18.16): there
/// a re-sent block is recognised only by its data's hash, and a server stamp
/// would make every attempt's data differ, so a batch retried after a timeout
/// would be stored twice. There the row carries the time its batch was first
/// sent (sent_at_us, the same on every attempt).
std::string inserted_at_expression(const schema_names& n, const clickhouse_version& version) {
  if (!n.cluster.empty() && !version.has_insert_deduplication_token()) return "sent_at_us";
  return std::string(version.now_micros_expression());
}

/// The columns of the project index, as the materialized view selects them
/// from the runs table.
constexpr const char* index_columns =
    "tenant, project, start_time_us, id, trace_id, parent_run_id, run_type, received_at_us, version";

std::string project_index_table(const schema_names& n) {
  auto i = project_index_names(n);
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {0}{1} (\n"
      "  tenant String, project String, start_time_us UInt64, id String, trace_id String, parent_run_id String,\n"
      "  run_type String, received_at_us UInt64, version UInt64\n"
      ") ENGINE = {2}\n"
      "PARTITION BY toYYYYMMDD(toDateTime(intDiv(received_at_us, 1000000)))\n"
      "ORDER BY (tenant, project, start_time_us, id)",
      i.qualified(), on_cluster(n), engine(i));
}

/// Fills the project index on every insert into the runs table; a
/// materialized view fires where the INSERT lands, so on a cluster the
/// index is replicated as the runs table is.
std::string project_index_view(const schema_names& n) {
  return fmt::format("CREATE MATERIALIZED VIEW IF NOT EXISTS {0}_mv{1} TO {0} AS\nSELECT {2} FROM {3} WHERE kind = 'post'",
                     project_index(n), on_cluster(n), index_columns, n.qualified());
}

/// The `<table>_merged` view.
std::string merged_view(const schema_names& n) {
  return fmt::format("CREATE VIEW IF NOT EXISTS {0}_merged{1} AS\n{2}", n.qualified(), on_cluster(n), merged_select(n));
}

}  // namespace

std::string merged_select(const schema_names& n, std::string_view where) {
  // Aggregates get a "_m" suffix inside and their plain names outside: an
  // alias equal to a column it aggregates is a cyclic alias on 18.16 and an
  // aggregate-in-aggregate on 26.x.
  //
  // Per column, a set value wins over an empty one, then the patch over the
  // post, then the newer — but for project and tenant the post's: ingest
  // gives a patch naming no project the default one, which must not move
  // the run.
  std::vector<std::pair<std::string, std::string>> columns;  // name, ranking
  auto patch_first = [](const std::string& set) { return fmt::format("({}, kind = 'patch', version)", set); };
  for (const char* c : {"trace_id", "parent_run_id", "dotted_order", "name", "run_type", "reference_example_id"})
    columns.emplace_back(c, patch_first(fmt::format("{} != ''", c)));
  for (const char* c : {"project", "tenant"}) columns.emplace_back(c, fmt::format("(kind = 'post', {} != '', version)", c));
  for (const char* c : {"start_time_us", "end_time_us"}) columns.emplace_back(c, patch_first(fmt::format("{} != 0", c)));
  columns.emplace_back("tags", patch_first("notEmpty(tags)"));
  columns.emplace_back("attachments", patch_first("attachments != '[]'"));
  for (const char* f : payload_fields) {
    auto set = patch_first(fmt::format("{0} != '' OR {0}_s3 != ''", f));
    for (const char* suffix : {"", "_s3", "_bytes"}) columns.emplace_back(fmt::format("{}{}", f, suffix), set);
  }
  std::string inner, outer;
  for (const auto& [name, rank] : columns) {
    inner += fmt::format(",\n    argMax({0}, {1}) AS {0}_m", name, rank);
    outer += fmt::format(", {0}_m AS {0}", name);
  }
  return fmt::format(
      "SELECT id{1}, received_at_us_m AS received_at_us, version_m AS version, patched_m AS patched\n"
      "FROM (\n  SELECT id{2},\n    min(received_at_us) AS received_at_us_m, max(version) AS version_m,\n"
      "    countIf(kind = 'patch') > 0 AS patched_m\n  FROM {0}{3} GROUP BY id\n)",
      n.qualified(), outer, inner, where.empty() ? std::string() : fmt::format(" WHERE {}", where));
}

std::string sql_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

schema_names project_index_names(const schema_names& n) {
  auto i = n;
  i.table += "_by_project";
  return i;
}

std::string project_index(const schema_names& n) { return project_index_names(n).qualified(); }

std::string project_index_backfill(const schema_names& n) {
  return fmt::format("INSERT INTO {} SELECT {} FROM {} WHERE kind = 'post'", project_index(n), index_columns,
                     n.qualified());
}

// (id, kind): a lookup by id — the SDKs' readRun, and the merge step of
// every read — reads one key range, and a re-sent operation's copies share
// the key and collapse. A key serving project and time-window reads too, as
// Langfuse's (project_id, toDate(timestamp), id), was measured with
// bench/read_bench.sh on 18.16: (tenant, project, toDate(start), id, kind)
// made readRun 12x slower and trace reads 2x, for project pages equal at
// p50. Project and time-window reads use the project index instead.
const char* const sorting_key = "id, kind";

std::string zookeeper_path(const schema_names& n) {
  return fmt::format("/clickhouse/tables/{{shard}}/{}/{}", n.database, n.table);
}

std::vector<std::string> schema_ddl(const schema_names& n, const clickhouse_version& version,
                                    const table_limits& limits, bool project_index) {
  auto settings = table_settings(n, version, limits);
  std::string payload_columns;
  for (const char* f : payload_fields) payload_columns += fmt::format("  {0} String, {0}_s3 String, {0}_bytes UInt64,\n", f);
  std::vector<std::string> ddl{
      fmt::format("CREATE DATABASE IF NOT EXISTS {}{}", n.database, on_cluster(n)),
      fmt::format(
          "CREATE TABLE IF NOT EXISTS {0}{5} (\n"
          "  id String, kind String, trace_id String, parent_run_id String, dotted_order String,\n"
          "  project String, tenant String, name String, run_type String, reference_example_id String,\n"
          "  start_time_us UInt64, end_time_us UInt64, tags Array(String),\n"
          "{1}"
          "  attachments String,\n"
          "  received_at_us UInt64, enqueued_at_us UInt64, dequeued_at_us UInt64, sent_at_us UInt64,\n"
          "  inserted_at_us UInt64 MATERIALIZED {2},\n"
          "  version UInt64, stream_id String\n"
          ") ENGINE = {4}\n"
          "PARTITION BY toYYYYMMDD(toDateTime(intDiv(received_at_us, 1000000)))\n"
          "ORDER BY ({6}){3}",
          n.qualified(), payload_columns, inserted_at_expression(n, version),
          settings.empty() ? std::string() : fmt::format("\nSETTINGS {}", fmt::join(settings, ", ")),
          engine(n), on_cluster(n), sorting_key),
  };
  if (project_index) {
    ddl.push_back(project_index_table(n));
    ddl.push_back(project_index_view(n));
  }
  for (auto& statement : langfuse_ddl(n, version)) ddl.push_back(std::move(statement));
  ddl.push_back(merged_view(n));
  return ddl;
}

std::string replacing_table_ddl(const schema_names& n, const clickhouse_version& version, std::string_view columns,
                                std::string_view version_column, std::string_view partition_by,
                                std::string_view order_by) {
  auto settings = table_settings(n, version, {});
  return fmt::format("CREATE TABLE IF NOT EXISTS {}{} (\n{}\n) ENGINE = {}\nPARTITION BY {}\nORDER BY ({})\nSETTINGS {}",
                     n.qualified(), on_cluster(n), columns, engine(n, version_column), partition_by, order_by,
                     fmt::join(settings, ", "));
}

std::optional<std::string> limits_mismatch(const schema_names& n, std::string_view engine_full,
                                           const table_limits& limits) {
  for (const auto& [name, value] : limit_settings(limits)) {
    if (value <= 0) continue;
    auto wanted = fmt::format("{} = {}", name, value);
    auto at = engine_full.find(wanted);
    auto end = at + wanted.size();
    // "= 40" must not pass for "= 400".
    if (at != std::string_view::npos && (end == engine_full.size() || engine_full[end] == ',' || engine_full[end] == ' '))
      continue;
    return fmt::format(
        "the table {} exists without {} (its engine: {}); ClickHouse 18.16 cannot change a table's settings "
        "(no ALTER … MODIFY SETTING): drop the table or set another clickhouse.table",
        n.qualified(), wanted, engine_full);
  }
  return std::nullopt;
}

std::string existing_tables_query(const schema_names& n) {
  std::string langfuse;
  for (auto e : {common::langfuse::entity::trace, common::langfuse::entity::observation, common::langfuse::entity::score})
    langfuse += ", " + sql_string(langfuse_names(n, e).table);
  return fmt::format("SELECT name, engine FROM system.tables WHERE database = {} AND name IN ({}, {}{}) FORMAT TSVRaw",
                     sql_string(n.database), sql_string(n.table), sql_string(project_index_names(n).table), langfuse);
}

existing_tables parse_existing_tables(std::string_view tsv, const schema_names& names) {
  existing_tables out;
  auto index = project_index_names(names).table;
  int langfuse = 0;
  while (!tsv.empty()) {
    auto nl = tsv.find('\n');
    auto line = tsv.substr(0, nl);
    tsv = nl == std::string_view::npos ? std::string_view{} : tsv.substr(nl + 1);
    auto tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    auto name = line.substr(0, tab);
    if (name == names.table) out.runs_engine = std::string(line.substr(tab + 1));
    else if (name == index) out.project_index = true;
    else
      for (auto e : {common::langfuse::entity::trace, common::langfuse::entity::observation, common::langfuse::entity::score})
        langfuse += name == langfuse_names(names, e).table;
  }
  out.langfuse_tables = langfuse == 3;
  return out;
}

std::string engine_full_query(const schema_names& n) {
  return fmt::format("SELECT engine_full FROM system.tables WHERE database = {} AND name = {} FORMAT TSVRaw",
                     sql_string(n.database), sql_string(n.table));
}

std::vector<std::pair<std::string, std::string>> insert_settings(const clickhouse_version& version,
                                                                 const insert_options& o,
                                                                 const std::string& dedup_token) {
  // Unknown fields fail loudly everywhere (26.x would silently drop them).
  std::vector<std::pair<std::string, std::string>> s{{"input_format_skip_unknown_fields", "0"}};
  bool async = o.async_insert && version.has_async_insert();
  if (async) {
    s.emplace_back("async_insert", "1");
    s.emplace_back("wait_for_async_insert", o.wait_for_async_insert ? "1" : "0");
    s.emplace_back("async_insert_busy_timeout_ms", std::to_string(o.async_insert_busy_timeout_ms));
    s.emplace_back("async_insert_max_data_size", std::to_string(o.async_insert_max_data_size));
    if (version.has_async_insert_deduplicate()) s.emplace_back("async_insert_deduplicate", "1");
  }
  if (o.insert_quorum > 0) s.emplace_back("insert_quorum", std::to_string(o.insert_quorum));
  bool token_works = async ? version.has_async_insert_deduplication_token() : version.has_insert_deduplication_token();
  if (token_works && !dedup_token.empty()) s.emplace_back("insert_deduplication_token", dedup_token);
  return s;
}

std::string lag_query(const schema_names& n, long long seconds) {
  return fmt::format(
      "SELECT count(), quantile(0.5)(lag_ms), quantile(0.9)(lag_ms), quantile(0.99)(lag_ms), max(lag_ms) FROM ("
      "SELECT greatest(toInt64(inserted_at_us) - toInt64(received_at_us), 0) / 1000 AS lag_ms FROM {} "
      "WHERE received_at_us >= (toUInt64(now()) - {}) * 1000000) FORMAT TSV",
      n.qualified(), seconds);
}

}  // namespace tracepipe::sink

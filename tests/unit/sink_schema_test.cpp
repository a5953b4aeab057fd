// What the sink sends per server version: the DDL (clock expression,
// deduplication window) and the INSERT settings ("never send a setting the
// server rejects"). That the statements also run on 26.x is checked in
// tests/chdb/sink_statements_test.cpp.
#include "sink/schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sink/clickhouse_version.hpp"

namespace tracepipe::sink {
namespace {

using settings = std::vector<std::pair<std::string, std::string>>;

clickhouse_version v(const char* text) {
  auto parsed = clickhouse_version::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(clickhouse_version{});
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

/// The three columns of one payload field, as the CREATE TABLE spells them.
std::string fmt_payload(const std::string& f) { return f + " String, " + f + "_s3 String, " + f + "_bytes UInt64"; }

const schema_names names{"tp_db", "tp_runs"};

TEST(sink_schema, ddl_is_database_table_index_views_all_if_not_exists) {
  for (const char* version : {"18.16.1", "24.3.2.23"}) {
    SCOPED_TRACE(version);
    auto ddl = schema_ddl(names, v(version));
    ASSERT_EQ(ddl.size(), 8u);  // with Langfuse's three tables before the merged view
    EXPECT_EQ(ddl[0], "CREATE DATABASE IF NOT EXISTS tp_db");
    EXPECT_EQ(ddl[1].rfind("CREATE TABLE IF NOT EXISTS tp_db.tp_runs (", 0), 0u) << ddl[1];
    EXPECT_EQ(ddl[2].rfind("CREATE TABLE IF NOT EXISTS tp_db.tp_runs_by_project (", 0), 0u) << ddl[2];
    EXPECT_EQ(ddl[3].rfind("CREATE MATERIALIZED VIEW IF NOT EXISTS tp_db.tp_runs_by_project_mv TO tp_db.tp_runs_by_project AS", 0), 0u) << ddl[3];
    EXPECT_EQ(ddl[4].rfind("CREATE TABLE IF NOT EXISTS tp_db.langfuse_traces (", 0), 0u) << ddl[4];
    EXPECT_EQ(ddl[7].rfind("CREATE VIEW IF NOT EXISTS tp_db.tp_runs_merged AS", 0), 0u) << ddl[7];
    EXPECT_TRUE(contains(ddl[1], "ENGINE = ReplacingMergeTree(version)")) << ddl[1];
    EXPECT_TRUE(contains(ddl[1], "ORDER BY (id, kind)")) << ddl[1];
    EXPECT_TRUE(contains(ddl[2], "ORDER BY (tenant, project, start_time_us, id)")) << ddl[2];
    EXPECT_TRUE(contains(ddl[3], "FROM tp_db.tp_runs WHERE kind = 'post'")) << ddl[3];
    EXPECT_TRUE(contains(ddl[7], "FROM tp_db.tp_runs GROUP BY id")) << ddl[7];
    for (const char* f : payload_fields)
      EXPECT_TRUE(contains(ddl[1], fmt_payload(f))) << f;
  }
}

TEST(sink_schema, without_the_project_index_the_runs_table_and_its_views_only) {
  auto ddl = schema_ddl(names, v("18.16.1"), {}, false);
  ASSERT_EQ(ddl.size(), 6u);
  for (const auto& statement : ddl) EXPECT_FALSE(contains(statement, "_by_project")) << statement;
  EXPECT_EQ(ddl[5].rfind("CREATE VIEW IF NOT EXISTS tp_db.tp_runs_merged AS", 0), 0u) << ddl[5];
}

TEST(sink_schema, on_a_cluster_every_statement_runs_on_cluster_and_the_table_is_replicated) {
  const schema_names clustered{"tp_db", "tp_runs", "prod"};
  for (const char* version : {"18.16.1", "24.3.2.23"}) {
    SCOPED_TRACE(version);
    auto ddl = schema_ddl(clustered, v(version));
    ASSERT_EQ(ddl.size(), 8u);
    EXPECT_EQ(ddl[0], "CREATE DATABASE IF NOT EXISTS tp_db ON CLUSTER `prod`");
    EXPECT_EQ(ddl[1].rfind("CREATE TABLE IF NOT EXISTS tp_db.tp_runs ON CLUSTER `prod` (", 0), 0u) << ddl[1];
    // The ZooKeeper path spelled out with the {shard} macro, and {replica}:
    // what 18.16 needs; modern servers take the same spelling.
    EXPECT_TRUE(contains(ddl[1],
                         "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/tp_db/tp_runs', "
                         "'{replica}', version)"))
        << ddl[1];
    EXPECT_FALSE(contains(ddl[1], "non_replicated_deduplication_window")) << "Replicated tables dedup on their own";
    EXPECT_TRUE(contains(ddl[1], "\nSETTINGS replicated_deduplication_window = 1000")) << ddl[1];
    // The index is replicated too: its view fills it only where an INSERT lands.
    EXPECT_TRUE(contains(ddl[2], "ON CLUSTER `prod` (")) << ddl[2];
    EXPECT_TRUE(contains(ddl[2], "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/tp_db/tp_runs_by_project', "
                                 "'{replica}', version)"))
        << ddl[2];
    EXPECT_TRUE(contains(ddl[3], "tp_runs_by_project_mv ON CLUSTER `prod` TO")) << ddl[3];
    EXPECT_EQ(ddl[7].rfind("CREATE VIEW IF NOT EXISTS tp_db.tp_runs_merged ON CLUSTER `prod` AS\n", 0), 0u)
        << ddl[7];
  }
  EXPECT_EQ(zookeeper_path(clustered), "/clickhouse/tables/{shard}/tp_db/tp_runs");
}

TEST(sink_schema, on_a_cluster_before_the_dedup_token_a_retried_block_keeps_its_hash) {
  // 18.16 recognises a re-sent block only by its data: a server stamp would
  // differ per attempt, so inserted_at is the batch's first send there.
  const schema_names clustered{"tp_db", "tp_runs", "prod"};
  EXPECT_TRUE(contains(schema_ddl(clustered, v("18.16.1"))[1], "inserted_at_us UInt64 MATERIALIZED sent_at_us,"));
  EXPECT_TRUE(contains(schema_ddl(clustered, v("22.1.3.7"))[1], "inserted_at_us UInt64 MATERIALIZED sent_at_us,"));
  // From 22.2 the sink's insert_deduplication_token replaces the hash.
  EXPECT_TRUE(contains(schema_ddl(clustered, v("22.2.2.1"))[1],
                       "inserted_at_us UInt64 MATERIALIZED toUnixTimestamp64Micro(now64(6)),"));
  // A single server keeps its own stamp on every version.
  EXPECT_TRUE(contains(schema_ddl(names, v("18.16.1"))[1], "inserted_at_us UInt64 MATERIALIZED toUInt64(now()) * 1000000,"));
}

TEST(sink_schema, without_a_cluster_nothing_says_cluster_or_replicated) {
  for (const auto& statement : schema_ddl(names, v("18.16.1"))) {
    EXPECT_FALSE(contains(statement, "ON CLUSTER")) << statement;
    EXPECT_FALSE(contains(statement, "Replicated")) << statement;
  }
}

TEST(sink_schema, insert_quorum_is_sent_only_when_set) {
  for (const char* version : {"18.16.1", "24.3.2.23"}) {
    SCOPED_TRACE(version);
    insert_options o;
    for (const auto& [k, val] : insert_settings(v(version), o, "t")) EXPECT_NE(k, "insert_quorum");
    o.insert_quorum = 2;
    auto s = insert_settings(v(version), o, "t");
    EXPECT_NE(std::find(s.begin(), s.end(), std::pair<std::string, std::string>{"insert_quorum", "2"}), s.end());
  }
}

TEST(sink_schema, sql_string_escapes_quotes_and_backslashes) {
  EXPECT_EQ(sql_string("runs"), "'runs'");
  EXPECT_EQ(sql_string("a'b\\c"), "'a\\'b\\\\c'");
}

TEST(sink_schema, default_names) {
  schema_names defaults;
  EXPECT_EQ(defaults.qualified(), "tracepipe.runs");
  EXPECT_EQ(schema_ddl(defaults, v("24.3.2.23"))[0], "CREATE DATABASE IF NOT EXISTS tracepipe");
}

TEST(sink_schema, ddl_for_18_16_uses_whole_seconds_and_no_dedup_window) {
  auto ddl = schema_ddl(names, v("18.16.1"));
  EXPECT_TRUE(contains(ddl[1], "inserted_at_us UInt64 MATERIALIZED toUInt64(now()) * 1000000")) << ddl[1];
  EXPECT_FALSE(contains(ddl[1], "now64")) << ddl[1];
  EXPECT_FALSE(contains(ddl[1], "toUnixTimestamp64Micro")) << ddl[1];
  EXPECT_FALSE(contains(ddl[1], "non_replicated_deduplication_window")) << ddl[1];
  EXPECT_TRUE(contains(ddl[1], "\nSETTINGS index_granularity = 1024")) << "the only setting: " << ddl[1];
  EXPECT_FALSE(contains(ddl[1], "DateTime64")) << ddl[1];
}

TEST(sink_schema, ddl_for_24_3_uses_microseconds_and_the_dedup_window) {
  auto ddl = schema_ddl(names, v("24.3.2.23"));
  EXPECT_TRUE(contains(ddl[1], "inserted_at_us UInt64 MATERIALIZED toUnixTimestamp64Micro(now64(6))")) << ddl[1];
  EXPECT_FALSE(contains(ddl[1], "toUInt64(now())")) << ddl[1];
  EXPECT_TRUE(contains(ddl[1], "SETTINGS non_replicated_deduplication_window = 1000")) << ddl[1];
}

TEST(sink_schema, ddl_version_boundaries) {
  // now64 alone (20.1) is not enough: toUnixTimestamp64Micro arrives in 20.5.
  EXPECT_TRUE(contains(schema_ddl(names, v("20.4.9"))[1], "MATERIALIZED toUInt64(now()) * 1000000"));
  EXPECT_TRUE(contains(schema_ddl(names, v("20.5.1"))[1], "MATERIALIZED toUnixTimestamp64Micro(now64(6))"));
  // The window comes with insert_deduplication_token (22.2).
  EXPECT_FALSE(contains(schema_ddl(names, v("22.1.3"))[1], "non_replicated_deduplication_window"));
  EXPECT_TRUE(contains(schema_ddl(names, v("22.2.1"))[1], "non_replicated_deduplication_window = 1000"));
  EXPECT_TRUE(contains(schema_ddl(names, v("26.5.1.1"))[1], "non_replicated_deduplication_window = 1000"));
}

TEST(sink_schema, merged_view_is_the_same_on_every_version) {
  EXPECT_EQ(schema_ddl(names, v("18.16.1")).back(), schema_ddl(names, v("26.5.1.1")).back());
  auto view = schema_ddl(names, v("24.3.2.23")).back();
  // A set value wins, then the patch, then the newer version.
  EXPECT_TRUE(contains(view, "argMax(outputs, (outputs != '' OR outputs_s3 != '', kind = 'patch', version)) AS outputs_m"))
      << view;
  EXPECT_TRUE(contains(view, "outputs_m AS outputs")) << view;
  EXPECT_TRUE(contains(view, "patched_m AS patched")) << view;
}

TEST(sink_schema, insert_settings_18_16_only_strict_fields) {
  const settings want{{"input_format_skip_unknown_fields", "0"}};
  // No async settings ever, whatever is configured, and no token it would reject.
  for (bool async : {true, false})
    for (bool wait : {true, false}) {
      insert_options o;
      o.async_insert = async;
      o.wait_for_async_insert = wait;
      EXPECT_EQ(insert_settings(v("18.16.1"), o, "tok-1"), want);
      EXPECT_EQ(insert_settings(v("18.16.1"), o, ""), want);
    }
  EXPECT_EQ(insert_settings(v("21.10.9"), {}, "tok-1"), want) << "the last release without async inserts";
  EXPECT_EQ(insert_settings(v("21.8.15.7"), {}, "tok-1"), want);
}

TEST(sink_schema, insert_settings_21_11_async_without_dedup) {
  insert_options o;
  o.async_insert_busy_timeout_ms = 50;
  o.async_insert_max_data_size = 1 << 20;
  o.wait_for_async_insert = false;
  const settings want{{"input_format_skip_unknown_fields", "0"},
                      {"async_insert", "1"},
                      {"wait_for_async_insert", "0"},
                      {"async_insert_busy_timeout_ms", "50"},
                      {"async_insert_max_data_size", "1048576"}};
  EXPECT_EQ(insert_settings(v("21.11.1"), o, "tok-1"), want);
  o.wait_for_async_insert = true;
  EXPECT_EQ(insert_settings(v("21.11.1"), o, "tok-1")[2], (std::pair<std::string, std::string>{"wait_for_async_insert", "1"}));
  // Synchronous on 21.11: no token either (22.2).
  o.async_insert = false;
  EXPECT_EQ(insert_settings(v("21.11.1"), o, "tok-1"), (settings{{"input_format_skip_unknown_fields", "0"}}));
}

TEST(sink_schema, insert_settings_22_x) {
  insert_options o;  // defaults: async, wait, 200 ms, 10 MiB
  const settings async_base{{"input_format_skip_unknown_fields", "0"},
                            {"async_insert", "1"},
                            {"wait_for_async_insert", "1"},
                            {"async_insert_busy_timeout_ms", "200"},
                            {"async_insert_max_data_size", "10485760"}};
  // 22.2 … 22.11: an async insert ignores the token, so none is sent; no async_insert_deduplicate yet.
  for (const char* version : {"22.2.1", "22.8.5.29", "22.11.1"}) {
    SCOPED_TRACE(version);
    EXPECT_EQ(insert_settings(v(version), o, "tok-1"), async_base);
  }
  // 22.12 adds async_insert_deduplicate; the token still not honoured with async.
  auto with_dedup = async_base;
  with_dedup.emplace_back("async_insert_deduplicate", "1");
  EXPECT_EQ(insert_settings(v("22.12.1"), o, "tok-1"), with_dedup);
  EXPECT_EQ(insert_settings(v("23.6.3"), o, "tok-1"), with_dedup);
  // Synchronous inserts have honoured the token since 22.2.
  insert_options sync = o;
  sync.async_insert = false;
  const settings sync_want{{"input_format_skip_unknown_fields", "0"}, {"insert_deduplication_token", "tok-1"}};
  EXPECT_EQ(insert_settings(v("22.2.1"), sync, "tok-1"), sync_want);
  EXPECT_EQ(insert_settings(v("22.1.4"), sync, "tok-1"), (settings{{"input_format_skip_unknown_fields", "0"}}));
}

TEST(sink_schema, insert_settings_23_7_and_24_x_with_token) {
  insert_options o;
  o.async_insert_busy_timeout_ms = 1000;
  o.async_insert_max_data_size = 5'000'000;
  for (const char* version : {"23.7.1", "24.3.2.23", "24.8.4.13", "26.5.1.1"}) {
    SCOPED_TRACE(version);
    for (bool wait : {false, true}) {
      o.wait_for_async_insert = wait;
      const settings want{{"input_format_skip_unknown_fields", "0"},
                          {"async_insert", "1"},
                          {"wait_for_async_insert", wait ? "1" : "0"},
                          {"async_insert_busy_timeout_ms", "1000"},
                          {"async_insert_max_data_size", "5000000"},
                          {"async_insert_deduplicate", "1"},
                          {"insert_deduplication_token", "1700000000000-0-1700000000001-4-7"}};
      EXPECT_EQ(insert_settings(v(version), o, "1700000000000-0-1700000000001-4-7"), want);
      // No token, no token setting.
      auto without = want;
      without.pop_back();
      EXPECT_EQ(insert_settings(v(version), o, ""), without);
    }
    // async_insert off: synchronous, with the token.
    insert_options sync = o;
    sync.async_insert = false;
    EXPECT_EQ(insert_settings(v(version), sync, "t"),
              (settings{{"input_format_skip_unknown_fields", "0"}, {"insert_deduplication_token", "t"}}));
  }
}

TEST(sink_schema, insert_settings_never_repeat_a_name) {
  for (const char* version : {"18.16.1", "21.11.1", "22.2.1", "22.12.1", "23.7.1", "24.3.2.23", "26.5.1.1"})
    for (bool async : {false, true}) {
      insert_options o;
      o.async_insert = async;
      std::set<std::string> seen;
      for (const auto& [k, value] : insert_settings(v(version), o, "tok")) {
        EXPECT_TRUE(seen.insert(k).second) << version << ": " << k;
        EXPECT_FALSE(value.empty()) << version << ": " << k;
      }
    }
}

TEST(sink_schema, lag_query) {
  auto q = lag_query(names, 3600);
  EXPECT_TRUE(contains(q, "FROM tp_db.tp_runs ")) << q;
  EXPECT_TRUE(contains(q, "(toUInt64(now()) - 3600) * 1000000")) << q;
  EXPECT_TRUE(contains(q, "quantile(0.99)(lag_ms)")) << q;
  EXPECT_EQ(q.substr(q.size() - 11), " FORMAT TSV") << q;
}

TEST(sink_schema, part_limits_join_the_table_settings_and_a_table_without_them_is_named) {
  const table_limits limits{20, 40};
  auto plain = schema_ddl(names, v("18.16.1"), limits)[1];
  EXPECT_TRUE(contains(plain, "id, kind)\nSETTINGS parts_to_delay_insert = 20, parts_to_throw_insert = 40"))
      << plain;
  const schema_names clustered{"tp_db", "tp_runs", "tracepipe"};
  auto replicated = schema_ddl(clustered, v("18.16.1"), limits)[1];
  EXPECT_TRUE(contains(replicated, "SETTINGS replicated_deduplication_window = 1000, parts_to_delay_insert = 20, "
                                   "parts_to_throw_insert = 40"))
      << replicated;
  EXPECT_FALSE(contains(schema_ddl(names, v("18.16.1"), {0, 40})[1], "parts_to_delay_insert"));

  const std::string made_so = "ReplacingMergeTree(version) PARTITION BY x ORDER BY (id, kind) SETTINGS "
                              "parts_to_delay_insert = 20, parts_to_throw_insert = 40, index_granularity = 8192";
  EXPECT_FALSE(limits_mismatch(names, made_so, limits));
  EXPECT_FALSE(limits_mismatch(names, "ReplacingMergeTree(version) ORDER BY (id, kind)", {}));
  auto wrong = limits_mismatch(names, made_so, {20, 400});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(contains(*wrong, "tp_db.tp_runs exists without parts_to_throw_insert = 400")) << *wrong;
  EXPECT_TRUE(limits_mismatch(names, "ReplacingMergeTree(version) ORDER BY (id, kind)", limits));
  EXPECT_TRUE(limits_mismatch(names, "MergeTree SETTINGS parts_to_delay_insert = 200", {20, 0}));
}

TEST(sink_schema, existing_tables_reads_the_runs_engine_and_the_index_from_one_answer) {
  schema_names names{"db", "runs"};
  auto index = project_index_names(names).table;
  auto both = parse_existing_tables(index + "\tReplicatedReplacingMergeTree\nruns\tReplicatedReplacingMergeTree\n", names);
  EXPECT_EQ(both.runs_engine, "ReplicatedReplacingMergeTree");
  EXPECT_TRUE(both.project_index);
  auto runs_only = parse_existing_tables("runs\tReplacingMergeTree\n", names);
  EXPECT_EQ(runs_only.runs_engine, "ReplacingMergeTree");
  EXPECT_FALSE(runs_only.project_index);
  EXPECT_FALSE(runs_only.langfuse_tables);
  auto none = parse_existing_tables("", names);
  EXPECT_TRUE(none.runs_engine.empty());
  EXPECT_FALSE(none.project_index);
  auto langfuse = parse_existing_tables("runs\tR\nlangfuse_traces\tR\nlangfuse_observations\tR\nlangfuse_scores\tR\n", names);
  EXPECT_TRUE(langfuse.langfuse_tables);
  EXPECT_FALSE(parse_existing_tables("langfuse_traces\tR\nlangfuse_scores\tR\n", names).langfuse_tables);
  EXPECT_NE(existing_tables_query(names).find("SELECT name, engine"), std::string::npos);
}

}  // namespace
}  // namespace tracepipe::sink

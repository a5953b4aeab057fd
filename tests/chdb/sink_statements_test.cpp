// The exact statements the sink worker and the reports send, run on the
// modern engine (libchdb, ClickHouse 26.x): the DDL it would send to a 24.3
// and to a 26.5 server, an INSERT of rows rendered by the row builder with
// the settings it sends to a 24.x server, the merged view and the lag report.
// A deliberately broken statement must fail, or the check proves nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ingest/run_op.hpp"
#include "ingest/stream_fields.hpp"
#include "loadgen/run_factory.hpp"
#include "sink/clickhouse_version.hpp"
#include "sink/row_builder.hpp"
#include "sink/schema.hpp"
#include "tests/chdb/chdb_session.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using sink::clickhouse_version;

/// A setting's value as it goes into a SETTINGS clause: numbers bare, the rest quoted.
std::string setting_literal(const std::string& value) {
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

/// INSERT as the worker sends it, with its URL parameters as a SETTINGS clause.
std::string insert_statement(const sink::schema_names& names,
                             const std::vector<std::pair<std::string, std::string>>& settings,
                             const std::string& rows) {
  std::string sql = "INSERT INTO " + names.qualified();
  if (!settings.empty()) {
    sql += " SETTINGS ";
    for (std::size_t i = 0; i < settings.size(); ++i) {
      if (i) sql += ", ";
      sql += settings[i].first + "=" + setting_literal(settings[i].second);
    }
  }
  return sql + " FORMAT JSONEachRow\n" + rows;
}

/// Stream entries exactly as ingest XADDs them, as the consumer hands them out.
struct entries {
  std::deque<std::string> storage;
  std::vector<queue::stream_message> messages;

  void add(ingest::run_op op, std::uint64_t received_at_us, std::string stream_id) {
    // The entry's fields point into `one`; the message copies them, as hiredis does.
    std::vector<ingest::run_op> one{std::move(op)};
    auto built = ingest::stream_entries(one, "acme", received_at_us, 4, storage);
    queue::stream_message m;
    m.stream = "tracepipe:runs:{" + std::to_string(built[0].shard) + "}";
    m.id = std::move(stream_id);
    for (const auto& [k, v] : built[0].fields) m.fields.emplace_back(k, v);
    messages.push_back(std::move(m));
  }
};

using sink_statements = schema_fixture;

TEST_F(sink_statements, ddl_for_24_3_runs) {
  auto names = create_schema("24.3.2.23");
  EXPECT_EQ(ok("SELECT type, default_kind, default_expression FROM system.columns WHERE database = '" +
               names.database + "' AND table = 'runs' AND name = 'inserted_at_us'"),
            "UInt64\tMATERIALIZED\ttoUnixTimestamp64Micro(now64(6))\n");
  EXPECT_EQ(ok("SELECT name, engine FROM system.tables WHERE database = '" + names.database + "' ORDER BY name"),
            "langfuse_observations\tReplacingMergeTree\nlangfuse_scores\tReplacingMergeTree\n"
            "langfuse_traces\tReplacingMergeTree\n"
            "runs\tReplacingMergeTree\nruns_by_project\tReplacingMergeTree\nruns_by_project_mv\tMaterializedView\n"
            "runs_merged\tView\n");
  // IF NOT EXISTS: the worker re-sends its DDL after a dropped table; a second run is harmless.
  for (const auto& statement : sink::schema_ddl(names, *clickhouse_version::parse("24.3.2.23"))) ok(statement);
}

TEST_F(sink_statements, ddl_for_26_5_runs) {
  auto names = create_schema("26.5.1.1");
  EXPECT_EQ(ok("SELECT count() FROM system.columns WHERE database = '" + names.database + "' AND table = 'runs'"),
            "39\n");
  EXPECT_EQ(ok("SELECT count() FROM " + names.qualified() + "_merged"), "0\n");
}

TEST_F(sink_statements, replicated_ddl_parses_on_26_x) {
  // A Replicated table needs ZooKeeper or Keeper and ON CLUSTER a server with
  // <remote_servers>; libchdb has neither, so the cluster's statements are
  // parsed here (EXPLAIN AST), and run for real on 18.16 by tests/replicas.
  sink::schema_names names{"tp_cluster", "runs", "tracepipe"};
  for (const auto& statement : sink::schema_ddl(names, *clickhouse_version::parse("26.5.1.1"))) {
    SCOPED_TRACE(statement);
    EXPECT_NE(ok("EXPLAIN AST " + statement), "");
  }
}

TEST_F(sink_statements, ddl_for_18_16_also_runs) {
  // Not required by the policy, but the fallback clock must not be a 26.x error either.
  auto names = create_schema("18.16.1");
  EXPECT_EQ(ok("SELECT default_expression FROM system.columns WHERE database = '" + names.database +
               "' AND table = 'runs' AND name = 'inserted_at_us'"),
            "toUInt64(now()) * 1000000\n");
}

TEST_F(sink_statements, worker_insert_merged_view_and_lag_report) {
  const auto v24 = *clickhouse_version::parse("24.3.2.23");
  auto names = create_schema("24.3.2.23");

  // One trace of three runs, each a post (inputs as a multipart part on the
  // root, inline in the run JSON on the others) and a patch (outputs).
  loadgen::run_factory factory(7);
  loadgen::trace_shape shape;
  shape.payload_bytes = 300;
  auto runs = factory.trace(shape);
  // Recent enough for the lag report's window.
  const std::uint64_t received = now_us() - 2'000'000;
  const std::string root_inputs = R"({"question":")" + std::string(2000, 'q') + R"("})";
  entries e;
  std::uint64_t ms = received / 1000 + 1;
  int seq = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    ingest::run_op post;
    post.kind = ingest::op_kind::post;
    post.run_id = r.id;
    post.trace_id = r.trace_id;
    post.project = r.project;
    post.json = r.post_json(/*with_inputs=*/i != 0);
    if (i == 0) {
      post.parts.push_back({"inputs", "application/json", root_inputs});
      post.parts.push_back({"attachment.notes", "text/plain", "it's \"quoted\" \\ and ü"});
    }
    e.add(post, received, std::to_string(ms) + "-" + std::to_string(seq++));
  }
  for (const auto& r : runs) {
    ingest::run_op patch;
    patch.kind = ingest::op_kind::patch;
    patch.run_id = r.id;
    patch.trace_id = r.trace_id;
    patch.project = r.project;
    patch.json = r.patch_json();
    e.add(patch, received + 1000, std::to_string(ms + 1) + "-" + std::to_string(seq++));
  }

  // The root's inputs part is over the threshold and goes to S3, so s3 columns merge too.
  sink::row_builder builder({.mode = sink::blob_mode::automatic, .threshold = 1000, .bucket = "traces"});
  std::string body;
  const std::uint64_t dequeued = received + 500'000;
  for (const auto& m : e.messages) {
    sink::built_row row;
    auto problem = builder.build(m, dequeued, row);
    ASSERT_FALSE(problem) << *problem;
    row.render(body, dequeued + 1000);
  }
  ASSERT_EQ(e.messages.size(), 6u);

  // The settings the worker sends to a 24.x server, with a token shaped like the worker's.
  sink::insert_options options;  // async, wait, 200 ms, 10 MiB
  auto token = e.messages.front().id + "-" + e.messages.back().id + "-6";
  auto settings = sink::insert_settings(v24, options, token);
  ASSERT_EQ(settings.size(), 7u) << "24.x gets every async setting and the token";
  auto insert = insert_statement(names, settings, body);
  ok(insert);
  EXPECT_EQ(eventually("SELECT count() FROM " + names.qualified(), "6\n"), "6\n");

  // Every timestamp the row carries, and the server's own inserted_at.
  EXPECT_EQ(ok("SELECT countIf(received_at_us = " + std::to_string(received) + " OR received_at_us = " +
               std::to_string(received + 1000) + "), countIf(dequeued_at_us = " + std::to_string(dequeued) +
               "), countIf(sent_at_us = " + std::to_string(dequeued + 1000) +
               "), countIf(inserted_at_us >= sent_at_us), countIf(enqueued_at_us > 0) FROM " + names.qualified()),
            "6\t6\t6\t6\t6\n");

  // The merged view: one row per run, the post's inputs and the patch's outputs.
  const auto merged = names.qualified() + "_merged";
  EXPECT_EQ(ok("SELECT count(), countIf(patched) FROM " + merged), "3\t3\n");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    SCOPED_TRACE(r.id);
    auto where = " FROM " + merged + " WHERE id = '" + r.id + "'";
    EXPECT_EQ(ok("SELECT name, run_type, trace_id, parent_run_id, start_time_us, end_time_us" + where),
              r.name + "\t" + r.run_type + "\t" + r.trace_id + "\t" + r.parent_run_id + "\t" +
                  std::to_string(r.start_us) + "\t" + std::to_string(r.end_us / 1000 * 1000) + "\n");
    // run_factory payloads are letters, spaces and JSON quotes: TSV shows them as they are.
    EXPECT_EQ(ok("SELECT outputs, outputs_s3, outputs_bytes" + where),
              r.outputs_json + "\t\t" + std::to_string(r.outputs_json.size()) + "\n");
    if (i == 0)
      EXPECT_EQ(ok("SELECT inputs, inputs_s3, inputs_bytes" + where),
                "\ts3://traces/runs/" + r.id + "/post/inputs\t" + std::to_string(root_inputs.size()) + "\n");
    else
      EXPECT_EQ(ok("SELECT inputs, inputs_s3, inputs_bytes" + where),
                r.inputs_json + "\t\t" + std::to_string(r.inputs_json.size()) + "\n");
  }
  EXPECT_EQ(ok("SELECT JSONExtractString(attachments, 1, 'name'), "
               "base64Decode(JSONExtractString(attachments, 1, 'base64')) = 'it\\'s \"quoted\" \\\\ and ü' FROM " +
               merged + " WHERE id = '" + runs[0].id + "'"),
            "notes\t1\n");

  // The lag report: all six rows are within the last hour.
  auto lag = ok(sink::lag_query(names, 3600));
  EXPECT_EQ(lag.substr(0, lag.find('\t')), "6") << lag;
  EXPECT_EQ(std::count(lag.begin(), lag.end(), '\t'), 4) << lag;

  // A re-sent batch (reclaim, retry) collapses: ReplacingMergeTree on every
  // version, and on a modern server the token drops the repeated block at once.
  ok(insert);
  EXPECT_EQ(ok("SELECT count() FROM " + names.qualified() + " FINAL"), "6\n");
  EXPECT_EQ(ok("SELECT count() FROM " + names.qualified()), "6\n") << "deduplicated by insert_deduplication_token";
  EXPECT_EQ(ok("SELECT count() FROM " + merged), "3\n");
}

TEST_F(sink_statements, insert_settings_of_every_async_version_are_accepted) {
  // 26.x keeps every name older servers get, so each version's set is valid here.
  auto names = create_schema("24.3.2.23");
  loadgen::run_factory factory(11);
  auto r = factory.trace({.runs_per_trace = 1})[0];
  ingest::run_op post;
  post.kind = ingest::op_kind::post;
  post.run_id = r.id;
  post.trace_id = r.trace_id;
  post.project = r.project;
  post.json = r.post_json();
  entries e;
  e.add(post, now_us(), "1700000000000-0");
  sink::row_builder builder({});
  sink::built_row row;
  ASSERT_FALSE(builder.build(e.messages[0], now_us(), row));
  std::string body;
  row.render(body, now_us());
  int inserted = 0;
  for (const char* version : {"18.16.1", "21.11.1", "22.2.1", "22.12.1", "23.7.1", "24.3.2.23", "26.5.1.1"})
    for (bool async : {false, true})
      for (bool wait : {false, true}) {
        SCOPED_TRACE(std::string(version) + (async ? " async" : " sync") + (wait ? " wait" : " nowait"));
        sink::insert_options o;
        o.async_insert = async;
        o.wait_for_async_insert = wait;
        ok(insert_statement(names, sink::insert_settings(*clickhouse_version::parse(version), o,
                                                         "tok-" + std::to_string(inserted)),
                            body));
        ++inserted;
      }
  EXPECT_EQ(eventually("SELECT count() FROM " + names.qualified() + " FINAL", "1\n"), "1\n");
}

TEST_F(sink_statements, hostile_strings_survive_the_engine) {
  auto names = create_schema("24.3.2.23");
  const std::string nasty = "say \"hi\" \\ it's\n\ttab\r\x01\x1f\x7f / ü 日本 🎉";
  const std::string nasty_json = R"("say \"hi\" \\ it's\n\ttab\r\u0001\u001f)" "\x7f" R"( \/ ü 日本 🎉")";
  loadgen::run_factory factory(5);
  auto r = factory.trace({.runs_per_trace = 1})[0];
  ingest::run_op post;
  post.kind = ingest::op_kind::post;
  post.run_id = r.id;
  post.trace_id = r.trace_id;
  post.project = nasty;
  post.json = R"({"id":")" + r.id + R"(","name":)" + nasty_json + R"(,"tags":[)" + nasty_json +
              R"(],"inputs":{"q":)" + nasty_json + "}}";
  entries e;
  e.add(post, now_us(), "1700000000000-0");
  sink::row_builder builder({});
  sink::built_row row;
  ASSERT_FALSE(builder.build(e.messages[0], now_us(), row));
  std::string body;
  row.render(body, now_us());
  ok(insert_statement(names, sink::insert_settings(*clickhouse_version::parse("24.3.2.23"), {}, "tok"), body));
  auto hex = [](std::string_view s) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) out += {digits[c >> 4], digits[c & 15]};
    return out;
  };
  EXPECT_EQ(ok("SELECT hex(name), hex(project), hex(tags[1]), hex(JSONExtractString(inputs, 'q')) FROM " +
               names.qualified()),
            hex(nasty) + "\t" + hex(nasty) + "\t" + hex(nasty) + "\t" + hex(nasty) + "\n");
}

TEST_F(sink_statements, broken_statements_fail) {
  auto names = create_schema("26.5.1.1");
  std::string error;
  // A row with a column the table lacks: input_format_skip_unknown_fields=0 makes it an error.
  loadgen::run_factory factory(3);
  auto r = factory.trace({.runs_per_trace = 1})[0];
  ingest::run_op post;
  post.kind = ingest::op_kind::post;
  post.run_id = r.id;
  post.trace_id = r.trace_id;
  post.project = r.project;
  post.json = r.post_json();
  entries e;
  e.add(post, now_us(), "1700000000000-0");
  sink::row_builder builder({});
  sink::built_row row;
  ASSERT_FALSE(builder.build(e.messages[0], now_us(), row));
  std::string body;
  row.render(body, now_us());
  auto settings = sink::insert_settings(*clickhouse_version::parse("24.3.2.23"), {}, "tok");
  auto with_unknown = body;
  with_unknown.insert(with_unknown.size() - 2, ",\"no_such_column\":1");
  EXPECT_FALSE(run_on_modern_engine(insert_statement(names, settings, with_unknown), error));
  EXPECT_NE(error.find("no_such_column"), std::string::npos) << error;
  // A setting the server does not know.
  auto bad_settings = settings;
  bad_settings.emplace_back("async_insert_no_such_setting", "1");
  EXPECT_FALSE(run_on_modern_engine(insert_statement(names, bad_settings, body), error));
  EXPECT_NE(error.find("UNKNOWN_SETTING"), std::string::npos) << error;
  // A DDL typo.
  auto ddl = sink::schema_ddl(names, *clickhouse_version::parse("26.5.1.1"))[1];
  ddl.replace(ddl.find("ReplacingMergeTree"), 18, "ReplacingMergeTre");
  EXPECT_FALSE(run_on_modern_engine(ddl, error));
  EXPECT_FALSE(error.empty());
  // The same row, unbroken, goes in.
  EXPECT_TRUE(run_on_modern_engine(insert_statement(names, settings, body), error)) << error;
  EXPECT_EQ(ok("SELECT count() FROM " + names.qualified()), "1\n");
}

}  // namespace
}  // namespace tracepipe::test

// Langfuse events' rows (sink/langfuse_rows, sink/langfuse_schema): an
// entry exactly as ingest writes it (event_reader → stream_entries) becomes
// one JSONEachRow line of its table, with every column of that table's
// CREATE TABLE and no other.
#include <gtest/gtest.h>

#include "ingest/langfuse/event_reader.hpp"
#include "sink/langfuse_rows.hpp"
#include "sink/langfuse_schema.hpp"
#include "sink_row_builder_fixture.hpp"

namespace tracepipe::sink::row_builder_test {
namespace {

using common::langfuse::entity;

/// Entries of the events of one request body, as ingest XADDs them.
struct langfuse_entries {
  std::vector<ingest::langfuse::event> events;
  std::deque<std::string> storage;
  std::vector<queue::stream_message> messages;

  explicit langfuse_entries(std::string_view body) {
    ingest::langfuse::event_reader reader(64);
    ingest::langfuse::batch_result r;
    EXPECT_FALSE(reader.read(body, r));
    EXPECT_TRUE(r.errors.empty()) << ingest::langfuse::answer_body(r);
    events = std::move(r.events);
    for (auto& e : events) e.project = "proj";
    for (const auto& entry : ingest::stream_entries(events, "acme", received_at, 4, storage)) {
      queue::stream_message m;
      m.stream = "tracepipe:runs:{0}";
      m.id = stream_id;
      for (const auto& [k, v] : entry.fields) m.fields.emplace_back(k, v);
      messages.push_back(std::move(m));
    }
  }
};

std::string ddl_of(entity e) {
  auto ddl = langfuse_ddl({"db", "runs"}, *clickhouse_version::parse("18.16.1"));
  return ddl[e == entity::trace ? 0 : e == entity::observation ? 1 : 2];
}

const char* const body = R"({"batch":[
  {"id":"ev-t","timestamp":"2024-05-01T12:00:00.250Z","type":"trace-create",
   "body":{"id":"tr","name":"chat","userId":"u1","sessionId":"s1","public":true,"tags":["a","b"],
           "metadata":{"k":"v","n":2},"input":{"q":"hi"},"environment":"prod"}},
  {"id":"ev-g","timestamp":"2024-05-01T12:00:01Z","type":"generation-create",
   "body":{"id":"gen","traceId":"tr","parentObservationId":"sp","startTime":"2024-05-01T12:00:00.500Z",
           "model":"gpt-4o","modelParameters":{"temperature":0.2},"usageDetails":{"input":12,"output":7},
           "costDetails":{"input":0.0012},"promptName":"p","promptVersion":3,"level":"WARNING"}},
  {"id":"ev-gu","timestamp":"2024-05-01T12:00:02Z","type":"generation-update",
   "body":{"id":"gen","traceId":"tr","endTime":"2024-05-01T12:00:01.750Z","output":"hello"}},
  {"id":"ev-o","timestamp":"2024-05-01T12:00:03Z","type":"observation-create","body":{"id":"old","type":"EVENT"}},
  {"id":"ev-s","timestamp":"2024-05-01T12:00:04Z","type":"score-create",
   "body":{"id":"sc","traceId":"tr","name":"quality","value":"good","dataType":"CATEGORICAL","comment":"ok"}}
]})";

TEST(sink_langfuse_rows, each_event_is_one_row_of_its_table_with_exactly_its_columns) {
  langfuse_entries entries(body);
  ASSERT_EQ(entries.messages.size(), 5u);
  entry_row_builder builder(row_options{});
  // In Langfuse's order: creates by timestamp, then the update.
  const entity want[] = {entity::trace, entity::observation, entity::observation, entity::score, entity::observation};
  for (std::size_t i = 0; i < entries.messages.size(); ++i) {
    SCOPED_TRACE(i);
    built_row row;
    ASSERT_FALSE(builder.build(entries.messages[i], dequeued_at, row));
    EXPECT_EQ(row.langfuse, want[i]);
    EXPECT_TRUE(row.blobs.empty());
    parsed_row parsed(row);
    EXPECT_EQ(parsed.keys(), table_columns(ddl_of(want[i])));
    EXPECT_EQ(parsed.str("project_id"), "proj");
    EXPECT_EQ(parsed.str("tenant"), "acme");
    EXPECT_EQ(parsed.num("received_at_us"), received_at);
    EXPECT_EQ(parsed.num("dequeued_at_us"), dequeued_at);
    EXPECT_EQ(parsed.num("sent_at_us"), sent_at);
  }
}

TEST(sink_langfuse_rows, values_in_18_16_types) {
  langfuse_entries entries(body);
  entry_row_builder builder(row_options{});
  std::vector<built_row> rows(entries.messages.size());
  for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_FALSE(builder.build(entries.messages[i], dequeued_at, rows[i]));

  parsed_row trace(rows[0]);
  EXPECT_EQ(trace.str("id"), "tr");
  EXPECT_EQ(trace.str("event_id"), "ev-t");
  EXPECT_EQ(trace.num("timestamp_ms"), 1714564800250u);
  EXPECT_EQ(trace.num("event_ts_ms"), 1714564800250u);
  EXPECT_EQ(trace.num("public"), 1u);
  EXPECT_EQ(trace.strings("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(trace.strings("metadata_keys"), (std::vector<std::string>{"k", "n"}));
  EXPECT_EQ(trace.strings("metadata_values"), (std::vector<std::string>{"v", "2"}));
  EXPECT_EQ(trace.str("input"), R"({"q":"hi"})");
  EXPECT_EQ(trace.str("output"), "");
  EXPECT_EQ(trace.str("environment"), "prod");

  parsed_row create(rows[1]), update(rows[4]);
  // A create and its update: the same id, two events, two rows.
  EXPECT_EQ(create.str("id"), "gen");
  EXPECT_EQ(update.str("id"), "gen");
  EXPECT_EQ(create.str("event_id"), "ev-g");
  EXPECT_EQ(update.str("event_id"), "ev-gu");
  EXPECT_EQ(create.str("type"), "GENERATION");
  EXPECT_EQ(create.str("trace_id"), "tr");
  EXPECT_EQ(create.str("parent_observation_id"), "sp");
  EXPECT_EQ(create.num("start_time_ms"), 1714564800500u);
  EXPECT_EQ(create.num("end_time_ms"), 0u);
  EXPECT_EQ(update.num("end_time_ms"), 1714564801750u);
  EXPECT_EQ(create.str("provided_model_name"), "gpt-4o");
  EXPECT_EQ(create.str("model_parameters"), R"({"temperature":0.2})");
  EXPECT_EQ(create.strings("usage_details_keys"), (std::vector<std::string>{"input", "output"}));
  EXPECT_NE(create.line().find(R"("usage_details_values":[12,7])"), std::string::npos) << create.line();
  EXPECT_NE(create.line().find(R"("cost_details_values":[0.0012])"), std::string::npos) << create.line();
  EXPECT_EQ(create.str("prompt_name"), "p");
  EXPECT_EQ(create.num("prompt_version"), 3u);
  EXPECT_EQ(create.str("level"), "WARNING");
  EXPECT_EQ(create.str("environment"), "default");
  EXPECT_EQ(update.str("output"), R"("hello")");
  EXPECT_EQ(update.str("level"), "");

  parsed_row legacy(rows[2]);
  EXPECT_EQ(legacy.str("type"), "EVENT");  // observation-create names it in the body

  parsed_row score(rows[3]);
  EXPECT_EQ(score.str("id"), "sc");
  EXPECT_EQ(score.str("name"), "quality");
  EXPECT_EQ(score.str("string_value"), "good");
  EXPECT_NE(score.line().find(R"("value":0,)"), std::string::npos) << score.line();
  EXPECT_EQ(score.str("source"), "API");
  EXPECT_EQ(score.str("data_type"), "CATEGORICAL");
  EXPECT_EQ(score.num("timestamp_ms"), 1714564804000u);
}

TEST(sink_langfuse_rows, an_entry_without_its_event_is_refused_with_a_reason) {
  queue::stream_message m;
  m.id = stream_id;
  m.fields = {{"kind", "langfuse"}, {"entity", "trace"}, {"event", "[1]"}};
  entry_row_builder builder(row_options{});
  built_row row;
  auto problem = builder.build(m, dequeued_at, row);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "Langfuse entry's event is not an object with a body");
  m.fields = {{"kind", "langfuse"}, {"entity", "run"}};
  EXPECT_TRUE(builder.build(m, dequeued_at, row));
}

TEST(sink_langfuse_rows, a_batch_is_one_insert_per_table_it_has_rows_for_runs_first) {
  std::vector<built_row> built(5);
  built[0].langfuse = entity::score;
  built[2].langfuse = entity::trace;
  built[3].langfuse = entity::score;
  auto by_table = rows_by_table({"db", "runs"}, built, {0, 1, 2, 3, 4});
  ASSERT_EQ(by_table.size(), 3u);
  EXPECT_EQ(by_table[0].first, "db.runs");
  EXPECT_EQ(by_table[0].second, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(by_table[1].first, "db.langfuse_traces");
  EXPECT_EQ(by_table[1].second, (std::vector<std::size_t>{2}));
  EXPECT_EQ(by_table[2].first, "db.langfuse_scores");
  EXPECT_EQ(by_table[2].second, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(rows_by_table({"db", "runs"}, built, {1}).size(), 1u) << "a runs-only batch: one INSERT, as before";
}

TEST(sink_langfuse_schema, three_tables_keyed_so_copies_collapse_and_updates_stay_apart) {
  auto ddl = langfuse_ddl({"db", "runs"}, *clickhouse_version::parse("18.16.1"));
  ASSERT_EQ(ddl.size(), 3u);
  const char* names[] = {"db.langfuse_traces", "db.langfuse_observations", "db.langfuse_scores"};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(ddl[i]);
    EXPECT_EQ(ddl[i].rfind(std::string("CREATE TABLE IF NOT EXISTS ") + names[i] + " (", 0), 0u);
    EXPECT_NE(ddl[i].find("ENGINE = ReplacingMergeTree(event_ts_ms)"), std::string::npos);
    EXPECT_NE(ddl[i].find("ORDER BY (project_id, id, event_id)"), std::string::npos);
    EXPECT_NE(ddl[i].find("PARTITION BY toYYYYMM(toDateTime(intDiv(event_ts_ms, 1000)))"), std::string::npos);
    for (const char* absent : {"DateTime64", "Map(", "Bool", "LowCardinality", "now()"})
      EXPECT_EQ(ddl[i].find(absent), std::string::npos) << absent;
  }
  schema_names clustered{"db", "runs", "prod", "lf_"};
  auto replicated = langfuse_ddl(clustered, *clickhouse_version::parse("18.16.1"));
  EXPECT_EQ(replicated[1].rfind("CREATE TABLE IF NOT EXISTS db.lf_observations ON CLUSTER `prod` (", 0), 0u);
  EXPECT_NE(replicated[1].find("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/lf_observations', "
                               "'{replica}', event_ts_ms)"),
            std::string::npos)
      << replicated[1];
  EXPECT_EQ(langfuse_table(clustered, entity::score), "db.lf_scores");
}

}  // namespace
}  // namespace tracepipe::sink::row_builder_test

// Langfuse's tables on the modern engine (libchdb, ClickHouse 26.x): rows
// the sink builds from the stream entries ingest writes for a batch of
// events go into the tables schema_ddl makes, one INSERT per table; the
// copies of an event collapse and a create and its update both stay.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "ingest/langfuse/event_reader.hpp"
#include "ingest/stream_fields.hpp"
#include "sink/langfuse_rows.hpp"
#include "sink/langfuse_schema.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using langfuse_statements = schema_fixture;
using common::langfuse::entity;

TEST_F(langfuse_statements, rows_of_every_table_go_in_and_copies_of_an_event_collapse) {
  auto names = create_schema("26.5.1.1");
  const std::string body = R"({"batch":[
    {"id":"e1","timestamp":"2024-05-01T12:00:00Z","type":"trace-create","body":{"id":"t","name":"n","public":true,
     "tags":["a"],"metadata":{"k":"v"}}},
    {"id":"e2","timestamp":"2024-05-01T12:00:01Z","type":"generation-create","body":{"id":"g","traceId":"t",
     "usageDetails":{"input":3},"costDetails":{"input":0.5},"promptName":"p","promptVersion":1}},
    {"id":"e3","timestamp":"2024-05-01T12:00:02Z","type":"generation-update","body":{"id":"g","endTime":"2024-05-01T12:00:02Z"}},
    {"id":"e4","timestamp":"2024-05-01T12:00:03Z","type":"score-create","body":{"id":"s","traceId":"t","name":"q","value":1}}
  ]})";
  ingest::langfuse::event_reader reader(64);
  ingest::langfuse::batch_result read;
  ASSERT_FALSE(reader.read(body, read));
  ASSERT_EQ(read.events.size(), 4u);
  std::deque<std::string> storage;
  auto entries = ingest::stream_entries(read.events, "acme", now_us(), 4, storage);
  sink::entry_row_builder builder(sink::row_options{});
  std::vector<sink::built_row> built(entries.size());
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    queue::stream_message m;
    m.id = "1714564800000-" + std::to_string(i);
    for (const auto& [k, v] : entries[i].fields) m.fields.emplace_back(k, v);
    ASSERT_FALSE(builder.build(m, now_us(), built[i]));
    rows.push_back(i);
  }
  // Twice: a batch re-sent after a failure.
  for (int copy = 0; copy < 2; ++copy)
    for (const auto& [table, mine] : sink::rows_by_table(names, built, rows)) {
      std::string insert = "INSERT INTO " + table + " FORMAT JSONEachRow\n";
      for (auto i : mine) built[i].render(insert, now_us());
      ok(insert);
    }
  for (auto [e, want] : {std::pair{entity::trace, "1\n"}, std::pair{entity::observation, "2\n"},
                         std::pair{entity::score, "1\n"}})
    EXPECT_EQ(ok("SELECT count() FROM " + sink::langfuse_table(names, e) + " FINAL"), want);
  EXPECT_EQ(ok("SELECT event_id, end_time_ms FROM " + sink::langfuse_table(names, entity::observation) +
               " FINAL ORDER BY event_id"),
            "e2\t0\ne3\t1714564802000\n");
  EXPECT_EQ(ok("SELECT usage_details_values, cost_details_values FROM " +
               sink::langfuse_table(names, entity::observation) + " FINAL WHERE event_id = 'e2'"),
            "[3]\t[0.5]\n");
}

}  // namespace
}  // namespace tracepipe::test

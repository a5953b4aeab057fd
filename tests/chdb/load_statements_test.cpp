// The statements `tracepipe load --stack` sends (observe/stack_queries.hpp)
// on the modern engine, against the sink's own schema: the visibility
// probe, the reconcile, the operation count, the parts and the recent lag —
// each with rows whose answer is known — and the component figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "observe/server_figures.hpp"
#include "observe/stack_queries.hpp"
#include "sink/langfuse_schema.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using load_statements = schema_fixture;

TEST_F(load_statements, probe_reconcile_count_parts_and_lag_answer_as_expected) {
  auto names = create_schema("26.5.1.1");
  const auto received = now_us() - 3'000'000;
  auto insert = [&](const std::string& id, const char* kind, const char* project, std::uint64_t rec, int version = 1) {
    ok(fmt::format("INSERT INTO {} (id, kind, project, received_at_us, version) VALUES ({}, '{}', '{}', {}, {})",
                   names.qualified(), observe::sql_string(id), kind, project, rec, version));
  };
  ok("SYSTEM STOP MERGES " + names.qualified());  // or the duplicate below may be merged away before the check
  insert("run-a", "post", "load", received);
  insert("run-a", "patch", "load", received);
  insert("run-b", "post", "load", received);
  // A re-insert a merge has not removed yet (another version: an identical
  // block would be dropped by insert deduplication on 26.x).
  insert("run-b", "post", "load", received, 2);
  insert("run-c", "post", "other", received);
  insert("it's", "post", "load", received - 600'000'000);  // received before the window

  auto probed = ok(observe::probe_query(names, {"run-a", "run-z", "it's"}));
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = probed.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(probed.substr(at, nl - at));
  std::sort(lines.begin(), lines.end());
  // The quote travels escaped in the SQL and comes back in TSV's escaping.
  EXPECT_EQ(lines, (std::vector<std::string>{"it\\'s", "run-a"}));
  auto rows = ok(observe::reconcile_query(names, "load", received - 1'000'000) + "");
  // id, kind, rows, first inserted_at_us, its received_at_us — ordered for the check.
  auto sorted = ok("SELECT c1, c2, c3, c5 FROM format(TSV, " + observe::sql_string(rows) + ") ORDER BY c1, c2");
  EXPECT_EQ(sorted, fmt::format("run-a\tpatch\t1\t{0}\nrun-a\tpost\t1\t{0}\nrun-b\tpost\t2\t{0}\n", received));
  EXPECT_EQ(ok(observe::operations_count_query(names, "load", received - 1'000'000)), "3\n");
  EXPECT_GE(std::stoi(ok(observe::max_parts_query(names))), 1);
  auto lag = ok(observe::recent_lag_query(names, "load", 60));
  EXPECT_EQ(lag.substr(0, lag.find('\t')), "5") << lag;  // every row of the project was inserted just now
  EXPECT_GE(std::stod(lag.substr(lag.find('\t') + 1)), 2900.0) << "received 3 s before insert";
  // Read back by name, as the observer and blob-vs-inline read them.
  std::string error;
  auto activity = observe::server_activity_of(ok(observe::server_activity_query()), &error);
  ASSERT_TRUE(activity) << error;
  EXPECT_GE(activity->queries_running, 1);  // itself
  EXPECT_GE(activity->inserted_rows, 6);    // the rows above
  EXPECT_GT(activity->inserted_bytes, 0);
  auto parts = observe::table_parts_of(ok(observe::table_parts_query(names)), &error);
  ASSERT_TRUE(parts) << error;
  EXPECT_GE(parts->active, 1);
  EXPECT_GE(parts->listed, parts->active);
  EXPECT_GT(parts->bytes_on_disk, 0);
  auto merges = observe::parse_named_row(ok(observe::merges_running_query()), &error);
  ASSERT_TRUE(merges && merges->contains("merges_running")) << error;
  // A table that is not Replicated: no row in system.replicas, every figure 0.
  auto replica = observe::replica_state_of(ok(observe::replica_state_query(names)), &error);
  ASSERT_TRUE(replica) << error;
  EXPECT_EQ(replica->tables, 0);
  EXPECT_EQ(replica->queue_size, 0);
  auto counters = observe::write_counters_of(ok(observe::write_counters_query()), &error);
  ASSERT_TRUE(counters) << error;
  EXPECT_GE(counters->inserted_rows, 6);
  EXPECT_GT(counters->written_bytes, 0);
}

TEST_F(load_statements, waited_longer_counts_operations_queued_past_the_expiry) {
  auto names = create_schema("26.5.1.1");
  const auto received = now_us() - 60'000'000;
  auto insert = [&](const char* id, const char* kind, std::uint64_t waited_us) {
    ok(fmt::format("INSERT INTO {} (id, kind, project, received_at_us, dequeued_at_us, version) VALUES "
                   "('{}', '{}', 'scn', {}, {}, 1)",
                   names.qualified(), id, kind, received, received + waited_us));
  };
  insert("run-a", "post", 1'000'000);
  insert("run-a", "patch", 25'000'000);  // waited 25 s: past a 20 s expiry
  insert("run-b", "post", 30'000'000);
  insert("run-b", "post", 30'000'000);   // a re-insert counts once
  insert("run-c", "post", 20'000'000);   // exactly the expiry: not past it
  EXPECT_EQ(ok(observe::waited_longer_query(names, "scn", received - 1, 20'000'000)), "2\n");
  EXPECT_EQ(ok(observe::waited_longer_query(names, "other", received - 1, 20'000'000)), "0\n");
}

TEST_F(load_statements, a_langfuse_loads_reconcile_and_count_read_both_tables_by_body_and_event_id) {
  auto names = create_schema("26.5.1.1");
  const auto received = now_us() - 3'000'000;
  auto insert = [&](common::langfuse::entity e, const char* id, const char* event, const char* project,
                    std::uint64_t sent) {
    ok(fmt::format("INSERT INTO {} (id, project_id, event_id, sent_at_us, received_at_us) VALUES ('{}', '{}', '{}', {}, {})",
                   sink::langfuse_table(names, e), id, project, event, sent, received));
  };
  ok("SYSTEM STOP MERGES " + sink::langfuse_table(names, common::langfuse::entity::observation));
  insert(common::langfuse::entity::trace, "t", "e-trace", "load", received + 5);
  insert(common::langfuse::entity::observation, "t", "e-create", "load", received + 7);
  insert(common::langfuse::entity::observation, "t", "e-create", "load", received + 9);  // a copy not merged yet
  insert(common::langfuse::entity::observation, "t", "e-update", "load", received + 8);
  insert(common::langfuse::entity::observation, "o", "e-other", "other", received + 8);
  auto rows = ok(observe::langfuse_reconcile_query(names, "load", received - 1'000'000));
  auto sorted = ok("SELECT * FROM format(TSV, " + observe::sql_string(rows) + ") ORDER BY c2");
  EXPECT_EQ(sorted, fmt::format("t\te-create\t2\t{1}\t{0}\nt\te-trace\t1\t{2}\t{0}\nt\te-update\t1\t{3}\t{0}\n",
                                received, received + 7, received + 5, received + 8));
  EXPECT_EQ(ok(observe::langfuse_events_count_query(names, "load", received - 1'000'000)), "3\n");
}

TEST_F(load_statements, a_broken_statement_fails) {
  auto names = create_schema("26.5.1.1");
  auto r = session_->run(observe::reconcile_query(names, "load", 0).replace(0, 6, "SELEC"));
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace tracepipe::test

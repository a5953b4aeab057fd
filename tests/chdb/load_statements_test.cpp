// The statements `tracepipe load --stack` sends (loadgen/stack_queries.hpp)
// on the modern engine, against the sink's own schema: the visibility
// probe, the reconcile, the operation count, the parts and the recent lag —
// each with rows whose answer is known — and the component figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "loadgen/stack_queries.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using load_statements = schema_fixture;

TEST_F(load_statements, probe_reconcile_count_parts_and_lag_answer_as_expected) {
  auto names = create_schema("26.5.1.1");
  const auto received = now_us() - 3'000'000;
  auto insert = [&](const std::string& id, const char* kind, const char* project, std::uint64_t rec, int version = 1) {
    ok(fmt::format("INSERT INTO {} (id, kind, project, received_at_us, version) VALUES ({}, '{}', '{}', {}, {})",
                   names.qualified(), loadgen::sql_string(id), kind, project, rec, version));
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

  auto probed = ok(loadgen::probe_query(names, {"run-a", "run-z", "it's"}));
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = probed.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(probed.substr(at, nl - at));
  std::sort(lines.begin(), lines.end());
  // The quote travels escaped in the SQL and comes back in TSV's escaping.
  EXPECT_EQ(lines, (std::vector<std::string>{"it\\'s", "run-a"}));
  auto rows = ok(loadgen::reconcile_query(names, "load", received - 1'000'000) + "");
  // id, kind, rows, first inserted_at_us, its received_at_us — ordered for the check.
  auto sorted = ok("SELECT c1, c2, c3, c5 FROM format(TSV, " + loadgen::sql_string(rows) + ") ORDER BY c1, c2");
  EXPECT_EQ(sorted, fmt::format("run-a\tpatch\t1\t{0}\nrun-a\tpost\t1\t{0}\nrun-b\tpost\t2\t{0}\n", received));
  EXPECT_EQ(ok(loadgen::operations_count_query(names, "load", received - 1'000'000)), "3\n");
  EXPECT_GE(std::stoi(ok(loadgen::max_parts_query(names))), 1);
  auto lag = ok(loadgen::recent_lag_query(names, "load", 60));
  EXPECT_EQ(lag.substr(0, lag.find('\t')), "5") << lag;  // every row of the project was inserted just now
  EXPECT_GE(std::stod(lag.substr(lag.find('\t') + 1)), 2900.0) << "received 3 s before insert";
  // merges, queries (itself at least), InsertedRows ≥ the 6 rows above, InsertedBytes, MergedRows, Delayed, Rejected.
  auto figures = ok(loadgen::component_query());
  std::vector<double> n;
  for (std::size_t at = 0, end; at < figures.size(); at = end + 1) {
    end = figures.find_first_of("\t\n", at);
    n.push_back(std::stod(figures.substr(at, end - at)));
  }
  ASSERT_EQ(n.size(), 7u) << figures;
  EXPECT_GE(n[1], 1) << figures;
  EXPECT_GE(n[2], 6) << figures;
  EXPECT_GT(n[3], 0) << figures;
  // blob-vs-inline's: the table's parts (active, listed, bytes on disk, uncompressed) and the write counters.
  auto parts = ok(loadgen::table_parts_query(names));
  EXPECT_EQ(std::count(parts.begin(), parts.end(), '\t'), 3) << parts;
  EXPECT_GE(std::stoi(parts), 1) << parts;
  EXPECT_GE(std::stoi(ok(loadgen::merges_running_query())), 0);
  auto counters = ok(loadgen::write_counters_query());
  EXPECT_EQ(std::count(counters.begin(), counters.end(), '\t'), 5) << counters;
  EXPECT_GE(std::stod(counters), 6) << counters;
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
  EXPECT_EQ(ok(loadgen::waited_longer_query(names, "scn", received - 1, 20'000'000)), "2\n");
  EXPECT_EQ(ok(loadgen::waited_longer_query(names, "other", received - 1, 20'000'000)), "0\n");
}

TEST_F(load_statements, a_broken_statement_fails) {
  auto names = create_schema("26.5.1.1");
  auto r = session_->run(loadgen::reconcile_query(names, "load", 0).replace(0, 6, "SELEC"));
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace tracepipe::test

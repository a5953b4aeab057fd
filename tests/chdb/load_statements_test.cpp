// The statements `tracepipe load --stack` sends (loadgen/stack_queries.hpp)
// on the modern engine, against the sink's own schema: the visibility
// probe, the reconcile, the operation count, the parts and the recent lag —
// each with rows whose answer is known.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "loadgen/stack_queries.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using load_statements = schema_fixture;

TEST_F(load_statements, probe_reconcile_count_parts_and_lag_answer_as_expected) {
  auto names = create_schema("26.5.1.1");
  const auto received = now_us() - 3'000'000;
  auto insert = [&](const std::string& id, const char* kind, const char* project, std::uint64_t rec) {
    ok(fmt::format("INSERT INTO {} (id, kind, project, received_at_us, version) VALUES ({}, '{}', '{}', {}, 1)",
                   names.qualified(), loadgen::sql_string(id), kind, project, rec));
  };
  insert("run-a", "post", "load", received);
  insert("run-a", "patch", "load", received);
  insert("run-b", "post", "load", received);
  insert("run-b", "post", "load", received);  // a duplicate a merge has not removed
  insert("run-c", "post", "other", received);
  insert("it's", "post", "load", received - 600'000'000);  // received before the window

  EXPECT_EQ(ok(loadgen::probe_query(names, {"run-a", "run-z", "it's"})), "it's\nrun-a\n");
  auto rows = ok(loadgen::reconcile_query(names, "load", received - 1'000'000) + "");
  // id, kind, rows, first inserted_at_us, its received_at_us — ordered for the check.
  auto sorted = ok("SELECT c1, c2, c3, c5 FROM format(TSV, " + loadgen::sql_string(rows) + ") ORDER BY c1, c2");
  EXPECT_EQ(sorted, fmt::format("run-a\tpatch\t1\t{0}\nrun-a\tpost\t1\t{0}\nrun-b\tpost\t2\t{0}\n", received));
  EXPECT_EQ(ok(loadgen::operations_count_query(names, "load", received - 1'000'000)), "3\n");
  EXPECT_GE(std::stoi(ok(loadgen::max_parts_query(names))), 1);
  auto lag = ok(loadgen::recent_lag_query(names, "load", 60));
  EXPECT_EQ(lag.substr(0, lag.find('\t')), "4") << lag;  // 4 rows of the project inserted just now
  EXPECT_GE(std::stod(lag.substr(lag.find('\t') + 1)), 2900.0) << "received 3 s before insert";
}

TEST_F(load_statements, a_broken_statement_fails) {
  auto names = create_schema("26.5.1.1");
  auto r = session_->run(loadgen::reconcile_query(names, "load", 0).replace(0, 6, "SELEC"));
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace tracepipe::test

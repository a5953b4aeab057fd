// The read API's statements (read/run_queries.hpp) on the modern engine,
// against the sink's own schema: a run by id with its patch applied, a
// trace's and a project's page, the project names and a project's first
// run — each with rows whose answer is known — read back as LangSmith runs.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "read/run_json.hpp"
#include "read/run_queries.hpp"
#include "tests/chdb/schema_fixture.hpp"

namespace tracepipe::test {
namespace {

using read_statements = schema_fixture;

constexpr const char* root = "0b5e1d1e-0000-4000-8000-000000000001";
constexpr const char* child = "0b5e1d1e-0000-4000-8000-000000000002";
constexpr const char* elsewhere = "0b5e1d1e-0000-4000-8000-000000000003";

TEST_F(read_statements, a_run_a_trace_a_project_and_its_session_answer_as_expected) {
  auto names = create_schema("26.5.1.1");
  auto insert = [&](const char* id, const char* kind, const char* project, const char* parent, std::uint64_t start,
                    std::uint64_t end, const char* outputs) {
    ok(fmt::format("INSERT INTO {} (id, kind, trace_id, parent_run_id, project, tenant, name, run_type, start_time_us, "
                   "end_time_us, inputs, outputs, version) VALUES ('{}', '{}', '{}', '{}', '{}', 't1', 'n', 'chain', "
                   "{}, {}, '{{\"q\":1}}', '{}', 1)",
                   names.qualified(), id, kind, root, parent, project, start, end, outputs));
  };
  insert(root, "post", "p", "", 1'796'634'000'000'000, 0, "");
  insert(root, "patch", "default", "", 0, 1'796'634'001'000'000, R"({"a":2})");  // ingest's default project
  insert(child, "post", "p", root, 1'796'634'000'500'000, 0, "");
  insert(child, "post", "p", root, 1'796'634'000'500'000, 0, "");  // re-sent: twice in the index until a merge
  insert(elsewhere, "post", "q", "", 1'796'634'000'000'000, 0, "");

  ingest::read_call call{ingest::run_lookup{root}, "t1", ""};
  auto one = read::runs_of(ok(read::run_lookup_sql(names, call, root)));
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  const auto& run = one->front();
  EXPECT_NE(run.find(R"("outputs":{"a":2})"), std::string::npos) << run;
  EXPECT_NE(run.find(R"("session_name":"p")"), std::string::npos) << "the post's project, not the patch's: " << run;
  EXPECT_NE(run.find(R"("status":"success")"), std::string::npos) << run;
  EXPECT_EQ(ok(read::run_lookup_sql(names, {ingest::run_lookup{root}, "t2", ""}, root)), "") << "another tenant's";

  for (bool indexed : {true, false}) {  // with the project index, and the runs table alone
    SCOPED_TRACE(indexed ? "indexed" : "runs table");
    ingest::run_query q;
    q.trace = root;
    q.limit = 1;
    auto page = read::runs_of(ok(read::run_query_sql(names, call, q, {}, indexed)));
    ASSERT_TRUE(page);
    ASSERT_EQ(page->size(), 2u) << "limit + 1 rows: there is a next page";
    EXPECT_NE(page->at(0).find(child), std::string::npos) << "newest first";

    q = {};
    q.sessions = {read::project_id("t1", "p")};
    auto project = read::runs_of(ok(read::run_query_sql(names, call, q, {"p"}, indexed)));
    ASSERT_TRUE(project);
    EXPECT_EQ(project->size(), 2u);
    q.limit = 1;
    auto first = read::runs_of(ok(read::run_query_sql(names, call, q, {"p"}, indexed)));
    ASSERT_EQ(first->size(), 2u) << "one row per id: the re-sent post does not fill the page";
    EXPECT_NE(first->at(1).find(std::string(R"("id":")") + root), std::string::npos) << first->at(1);
    q.limit = 10;
    q.is_root = true;
    EXPECT_EQ(read::runs_of(ok(read::run_query_sql(names, call, q, {"p"}, indexed)))->size(), 1u);

    EXPECT_EQ(ok("SELECT * FROM (" + read::projects_sql(names, call, indexed).substr(0, read::projects_sql(names, call, indexed).find(" FORMAT")) +
                 ") ORDER BY project"),
              "p\nq\n")
        << "the projects of posts: the patch's default one is not a project of the tenant";
    // Its posts; the re-sent one counts again unless its identical block was
    // deduplicated on insert (26.x's non_replicated_deduplication_window).
    auto session = ok(read::session_sql(names, call, "p", indexed));
    EXPECT_TRUE(session == "2\t0\n" || session == "3\t0\n") << session;
  }
}

}  // namespace
}  // namespace tracepipe::test

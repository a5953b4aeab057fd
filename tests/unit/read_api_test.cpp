// The read API without servers: what the SDKs' read calls parse into, what
// is refused naming its field, the statements behind them, and ClickHouse's
// merged rows as LangSmith returns runs.
#include <gtest/gtest.h>

#include "ingest/read_api.hpp"
#include "read/run_json.hpp"
#include "read/run_queries.hpp"

namespace tracepipe {
namespace {

using namespace ingest;

constexpr std::string_view id = "0b5e1d1e-0000-4000-8000-0000000000aa";
constexpr std::string_view trace = "0b5e1d1e-0000-4000-8000-0000000000bb";

template <class T>
T parsed(bool post, std::string_view target, std::string_view body = {}) {
  auto r = parse_read(post, target, body, 100);
  if (auto* bad = std::get_if<rejection>(&r)) ADD_FAILURE() << bad->detail;
  return std::get<T>(std::get<read_request>(r));
}

std::string refused(std::string_view body, std::size_t max_limit = 100) {
  auto r = parse_read(true, "/runs/query", body, max_limit);
  if (auto* bad = std::get_if<rejection>(&r)) return std::to_string(bad->status) + " " + bad->detail;
  return "accepted";
}

TEST(read_api, the_sdks_calls_parse) {
  EXPECT_EQ(parsed<run_lookup>(false, "/runs/" + std::string(id)).id, id);
  EXPECT_EQ(parsed<run_lookup>(false, "/api/v1/runs/0B5E1D1E-0000-4000-8000-0000000000AA?x=1").id, id);
  EXPECT_EQ(parsed<session_lookup>(false, "/sessions?name=my+project%2F1&limit=1").name, "my project/1");

  // What listRuns({projectName, traceId}) sends: every filter, unset ones null.
  auto q = parsed<run_query>(true, "/runs/query",
                             R"({"session":["0b5e1d1e-0000-4000-8000-0000000000cc"],"run_type":null,"query":null,
                                 "filter":null,"trace_filter":null,"tree_filter":null,"execution_order":null,
                                 "parent_run":null,"start_time":"2026-12-07T09:00:00.000Z","error":null,"id":null,
                                 "limit":2,"trace":")" + std::string(trace) + R"(","select":["id","inputs"],
                                 "is_root":false,"cursor":"tp1:4","order":"asc"})");
  ASSERT_EQ(q.sessions.size(), 1u);
  EXPECT_EQ(q.trace, std::string(trace));
  EXPECT_EQ(q.limit, 2u);
  EXPECT_EQ(q.offset, 4u);
  EXPECT_EQ(q.is_root, false);
  EXPECT_TRUE(q.ascending);
  EXPECT_EQ(q.start_time_us, 1796634000000000u);
  EXPECT_EQ(parsed<run_query>(true, "/runs/query", "{}").limit, 100u);
}

TEST(read_api, bad_queries_are_refused_naming_the_field) {
  EXPECT_EQ(refused(R"({"limit":0})"), "400 limit: must be a whole number from 1 to 100");
  EXPECT_EQ(refused(R"({"limit":101})"), "400 limit: must be a whole number from 1 to 100");
  EXPECT_EQ(refused(R"({"limit":20})", 10), "400 limit: must be a whole number from 1 to 10");
  EXPECT_EQ(refused(R"({"cursor":"next-please"})"),
            "400 cursor: not a cursor this server gave out (cursors.next of an earlier page)");
  EXPECT_EQ(refused(R"({"trace":"abc"})"), "400 trace: expected a run id (UUID) or null");
  EXPECT_EQ(refused(R"({"session":[1]})"), "400 session: expected a run id (UUID) or null");
  EXPECT_EQ(refused(R"({"start_time":"yesterday"})"), "400 start_time: expected an ISO 8601 time or null");
  EXPECT_EQ(refused(R"({"run_type":"robot"})").substr(0, 14), "400 run_type: ");
  EXPECT_EQ(refused(R"({"order":"sideways"})"), "400 order: expected \"asc\", \"desc\" or null");
  EXPECT_EQ(refused(R"J({"filter":"eq(name, \"x\")"})J").substr(0, 50), "400 filter: not supported by tracepipe's read API ");
  EXPECT_EQ(refused(R"({"colour":"red"})"), "400 colour: not a field of a runs query");
  EXPECT_EQ(refused("[1,2]"), "400 the body of POST /runs/query must be a JSON object");
  auto r = parse_read(false, "/runs/42", "", 100);
  EXPECT_EQ(std::get<rejection>(r).detail, "run_id: '42' is not a UUID");
  r = parse_read(false, "/sessions", "", 100);
  EXPECT_EQ(std::get<rejection>(r).detail.substr(0, 6), "name: ");
  r = parse_read(false, "/sessions?name=a%zz", "", 100);
  EXPECT_EQ(std::get<rejection>(r).detail.rfind("name: the request's query string is malformed: ", 0), 0u)
      << std::get<rejection>(r).detail;
}

TEST(read_api, cursors_round_trip_and_nothing_else_is_one) {
  EXPECT_EQ(offset_of(cursor_after(300)), 300u);
  EXPECT_FALSE(offset_of("tp1:"));
  EXPECT_FALSE(offset_of("tp1:12x"));
  EXPECT_FALSE(offset_of("12"));
}

TEST(read_queries, project_ids_are_stable_uuids_per_tenant_and_name) {
  auto a = read::project_id("t1", "proj");
  EXPECT_EQ(a, read::project_id("t1", "proj"));
  EXPECT_NE(a, read::project_id("t2", "proj"));
  EXPECT_NE(read::project_id("t", "1proj"), read::project_id("t1", "proj"));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '8');  // version 8
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');  // RFC 4122 variant
}

TEST(read_queries, filters_pick_the_posts_of_the_callers_tenant_and_project_from_the_project_index) {
  sink::schema_names t{"db", "runs"};
  read_call call{run_query{}, "acme", "bound"};
  run_query q;
  q.trace = std::string(trace);
  q.is_root = true;
  q.limit = 10;
  q.offset = 20;
  // A key bound to a project: the page's ids from the project index, one row per id.
  auto sql = read::run_query_sql(t, call, q, {}, true);
  for (const auto* part : {"SELECT id FROM db.runs_by_project WHERE tenant = 'acme' AND project = 'bound' AND",
                           "trace_id = '0b5e1d1e-0000-4000-8000-0000000000bb'", "parent_run_id = ''",
                           "ORDER BY start_time_us DESC, id DESC LIMIT 1 BY id LIMIT 20, 11)"})
    EXPECT_NE(sql.find(part), std::string::npos) << part << "\n" << sql;
  // Any project, by trace alone: the posts of the runs table.
  call.project_only.clear();
  sql = read::run_query_sql(t, call, q, {}, true);
  EXPECT_NE(sql.find("SELECT id FROM db.runs WHERE kind = 'post' AND tenant = 'acme'"), std::string::npos) << sql;
  EXPECT_EQ(sql.find("runs_by_project"), std::string::npos) << sql;
  q.sessions = {"0b5e1d1e-0000-4000-8000-0000000000cc"};
  sql = read::run_query_sql(t, call, q, {"p1", "p2"}, true);
  EXPECT_NE(sql.find("FROM db.runs_by_project WHERE tenant = 'acme' AND project IN ('p1', 'p2')"), std::string::npos)
      << sql;
  // Without the index (clickhouse.project_index false): the runs table's posts.
  sql = read::run_query_sql(t, call, q, {"p1", "p2"}, false);
  EXPECT_NE(sql.find("FROM db.runs WHERE kind = 'post' AND tenant = 'acme' AND project IN ('p1', 'p2')"),
            std::string::npos)
      << sql;
  EXPECT_NE(read::projects_sql(t, call, false).find("FROM db.runs WHERE tenant = 'acme' AND kind = 'post'"),
            std::string::npos);
  EXPECT_NE(read::projects_sql(t, call, true).find("FROM db.runs_by_project WHERE tenant = 'acme'"), std::string::npos);
  EXPECT_NE(read::session_sql(t, call, "p1", true).find("FROM db.runs_by_project WHERE tenant = 'acme' AND project = 'p1'"),
            std::string::npos);
  call.tenant = "it's";
  EXPECT_NE(read::run_lookup_sql(t, call, id).find("tenant = 'it\\'s'"), std::string::npos);
}

TEST(read_json, a_merged_row_reads_as_a_langsmith_run) {
  std::string row = R"({"id":")" + std::string(id) + R"(","trace_id":")" + std::string(trace) +
                    R"(","parent_run_id":")" + std::string(trace) +
                    R"(","dotted_order":"x","project":"p","tenant":"t","name":"llm","run_type":"llm",)"
                    R"("reference_example_id":"","start_time_us":"1796634000000000","end_time_us":"1796634000500000",)"
                    R"("tags":["a"],"attachments":"[]","inputs":"{\"q\":\"hi\"}","inputs_s3":"","inputs_bytes":"10",)"
                    R"("outputs":"","outputs_s3":"s3://b/k","outputs_bytes":"99999","events":"","events_s3":"",)"
                    R"("events_bytes":"0","extra":"","extra_s3":"","extra_bytes":"0","error":"","error_s3":"",)"
                    R"("error_bytes":"0","serialized":"","serialized_s3":"","serialized_bytes":"0"})";
  auto run = read::run_json(row);
  ASSERT_TRUE(run);
  for (const auto& part : {std::string(R"("start_time":"2026-12-07T09:00:00.000000")"),
                           std::string(R"("end_time":"2026-12-07T09:00:00.500000")"),
                           std::string(R"("inputs":{"q":"hi"})"), std::string(R"("outputs":null,"outputs_s3":"s3://b/k")"),
                           std::string(R"("tags":["a"])"), std::string(R"("status":"success")"),
                           std::string(R"("session_name":"p")"), R"("session_id":")" + read::project_id("t", "p") + "\"",
                           std::string(R"("reference_example_id":null)")})
    EXPECT_NE(run->find(part), std::string::npos) << part << "\n" << *run;
  EXPECT_FALSE(read::run_json(R"({"id":"not-a-run"})"));

  auto page = read::query_page_json({"{}", "{}", "{}"}, 2, 4);
  EXPECT_EQ(page, R"({"runs":[{},{}],"cursors":{"next":"tp1:6"}})");
  EXPECT_EQ(read::query_page_json({"{}"}, 2, 0), R"({"runs":[{}],"cursors":{"next":null}})");
  EXPECT_EQ(read::sessions_json("t", "p", std::nullopt), "[]");
}

}  // namespace
}  // namespace tracepipe

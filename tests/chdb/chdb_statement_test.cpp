// The sink's kinds of statements on the modern engine (libchdb, ClickHouse
// 26.x): schema DDL, an async INSERT with every setting the sink sends to a
// modern server, and a report query. A wrong statement must fail, or the
// check would prove nothing.
#include "tests/chdb/chdb_session.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <thread>

namespace tracepipe::test {
namespace {

constexpr const char* db = "chtest_statements";

class ChdbStatements : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (auto* s = chdb_session::get(&why))
      std::cerr << "chdb: ClickHouse " << s->version() << " loaded in " << s->load_time().count() << " ms from "
                << libchdb_path() << '\n';
  }
  void SetUp() override {
    std::string why;
    session_ = chdb_session::get(&why);
    if (!session_) GTEST_SKIP() << "modern-engine check skipped: " << why;
    ok("DROP DATABASE IF EXISTS " + std::string(db));
    ok("CREATE DATABASE " + std::string(db));
  }
  void TearDown() override {
    if (session_) session_->run("DROP DATABASE IF EXISTS " + std::string(db));
  }

  /// Runs sql and expects success; returns the output.
  std::string ok(const std::string& sql) {
    auto r = session_->run(sql);
    EXPECT_TRUE(r.ok) << sql << "\n→ " << r.error;
    return r.output;
  }

  /// Polls `sql` until it answers `want` or 5 s pass (async inserts may flush later).
  std::string eventually(const std::string& sql, const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string got;
    while ((got = ok(sql)) != want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return got;
  }

  void create_runs(const std::string& now_micros) {
    ok("CREATE TABLE " + std::string(db) +
       ".runs (id String, trace_id String, version UInt64, name String, start_time_us UInt64, "
       "inserted_at_us UInt64 MATERIALIZED " + now_micros +
       ") ENGINE = ReplacingMergeTree(version) ORDER BY id "
       "SETTINGS non_replicated_deduplication_window = 1000");
  }

  chdb_session* session_ = nullptr;
};

TEST_F(ChdbStatements, EngineIsModern) {
  auto v = session_->version();
  ASSERT_FALSE(v.empty());
  EXPECT_GE(std::stoi(v.substr(0, v.find('.'))), 23) << v;
}

TEST_F(ChdbStatements, SchemaWithMaterializedMicrosecondClock) {
  create_runs("toUnixTimestamp64Micro(now64(6))");
  EXPECT_EQ(ok("SELECT type, default_kind FROM system.columns WHERE database = '" + std::string(db) +
               "' AND table = 'runs' AND name = 'inserted_at_us'"),
            "UInt64\tMATERIALIZED\n");
  // The 18.x fallback expression is valid here too.
  ok("CREATE TABLE " + std::string(db) +
     ".runs_old_clock (id String, inserted_at_us UInt64 MATERIALIZED toUInt64(now()) * 1000000) "
     "ENGINE = ReplacingMergeTree ORDER BY id");
}

TEST_F(ChdbStatements, AsyncInsertWithAllSinkSettings) {
  create_runs("toUnixTimestamp64Micro(now64(6))");
  const std::string insert =
      "INSERT INTO " + std::string(db) +
      ".runs SETTINGS async_insert=1, wait_for_async_insert=0, async_insert_busy_timeout_ms=200, "
      "async_insert_max_data_size=10485760, insert_deduplication_token='x' FORMAT JSONEachRow "
      R"({"id":"r1","trace_id":"t1","version":1,"name":"llm","start_time_us":1700000000000000})"
      "\n"
      R"({"id":"r2","trace_id":"t1","version":1,"name":"tool","start_time_us":1700000000000001})";
  ok(insert);
  EXPECT_EQ(eventually("SELECT count() FROM " + std::string(db) + ".runs", "2\n"), "2\n");
  EXPECT_EQ(ok("SELECT countIf(inserted_at_us > 1700000000000000) FROM " + std::string(db) + ".runs"), "2\n");
  ok("INSERT INTO " + std::string(db) +
     ".runs SETTINGS async_insert=1, wait_for_async_insert=1, async_insert_deduplicate=1, "
     "insert_deduplication_token='y' FORMAT JSONEachRow "
     R"({"id":"r1","trace_id":"t1","version":2,"name":"llm","start_time_us":1700000000000000})");
  // ReplacingMergeTree collapses the re-insert of r1 to its newest version.
  EXPECT_EQ(ok("SELECT id, version FROM " + std::string(db) + ".runs FINAL ORDER BY id"), "r1\t2\nr2\t1\n");
}

TEST_F(ChdbStatements, ReportQuantiles) {
  create_runs("toUnixTimestamp64Micro(now64(6))");
  ok("INSERT INTO " + std::string(db) + ".runs FORMAT JSONEachRow " +
     R"({"id":"a","trace_id":"t","version":1,"name":"x","start_time_us":1})" + "\n" +
     R"({"id":"b","trace_id":"t","version":1,"name":"x","start_time_us":2})");
  auto out = ok("SELECT quantiles(0.5, 0.99)(inserted_at_us - start_time_us) AS lag_us, count() FROM " +
                std::string(db) + ".runs FINAL");
  EXPECT_EQ(out.substr(0, 1), "[") << out;
  EXPECT_NE(out.find("\t2\n"), std::string::npos) << out;
}

TEST_F(ChdbStatements, WrongStatementsFailWithTheirError) {
  create_runs("toUnixTimestamp64Micro(now64(6))");
  std::string error;
  EXPECT_FALSE(run_on_modern_engine("INSERT INTO " + std::string(db) +
                                        ".runs SETTINGS no_such_setting=1 FORMAT JSONEachRow {\"id\":\"a\"}",
                                    error));
  EXPECT_NE(error.find("UNKNOWN_SETTING"), std::string::npos) << error;
  EXPECT_FALSE(run_on_modern_engine("SELEC 1", error));
  EXPECT_NE(error.find("SYNTAX_ERROR"), std::string::npos) << error;
  EXPECT_FALSE(run_on_modern_engine("INSERT INTO " + std::string(db) +
                                        ".runs FORMAT JSONEachRow {\"id\":\"a\",\"version\":\"notanumber\"}",
                                    error));
  EXPECT_NE(error.find("Code: 27."), std::string::npos) << error;
  EXPECT_TRUE(run_on_modern_engine("SELECT 1", error)) << error;
  EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace tracepipe::test

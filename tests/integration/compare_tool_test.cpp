// `tracepipe compare blob-vs-inline` as a user runs it, on the test stack: a
// small load on each of the three sides, every run found, and the figures
// differing the way offloading large payloads, or storing every run in S3
// first, must make them differ.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>

#include "child_process.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(CompareTool, BlobVsInlineRunsEverySideAndOffloadingWritesLessToClickHouse) {
  auto out = fs::temp_directory_path() / ("tracepipe-compare-" + std::to_string(::getpid()));
  fs::remove_all(out);
  auto r = run_captured({TRACEPIPE_BINARY, "compare", "blob-vs-inline", "--stack", stack_dir(), "--out", out.string(),
                         "--rate", "200", "--duration", "4s", "--capacity-rate", "2000", "--capacity-duration", "5s",
                         "--inputs-size", "75%:500B-4KB,20%:4KB-16KB,5%:24KB-64KB", "--flush-bytes", "256KiB",
                         "--flush-age", "1s", "--batch-size", "10"},
                        {std::string("PATH=") + std::getenv("PATH")}, 300s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("compare: " + (out / "compare.json").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("S3 PUTs"), std::string::npos) << r.out;
  for (auto side : {"inline", "blob", "s3-first"}) {
    EXPECT_TRUE(fs::exists(out / side / "report.html")) << side;
    EXPECT_TRUE(fs::exists(out / side / "timeseries.csv")) << side;
  }
  EXPECT_NE(slurp(out / "compare.html").find("<svg class=\"chart\""), std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load((out / "compare.json").string()).get(doc), simdjson::SUCCESS);
  simdjson::dom::element inl, blob, first;
  ASSERT_EQ(doc["sides"]["inline"].get(inl), simdjson::SUCCESS);
  ASSERT_EQ(doc["sides"]["blob"].get(blob), simdjson::SUCCESS);
  ASSERT_EQ(doc["sides"]["s3-first"].get(first), simdjson::SUCCESS);
  auto num = [](simdjson::dom::element side, const char* key) {
    double v = -1;
    EXPECT_EQ(side[key].get_double().get(v), simdjson::SUCCESS) << key << " not measured";
    return v;
  };
  // The same seeded load on both sides, all of it found.
  EXPECT_EQ(num(inl, "runs_accepted"), 800);
  EXPECT_EQ(num(blob, "runs_accepted"), 800);
  EXPECT_EQ(num(first, "runs_accepted"), 800);
  EXPECT_EQ(num(inl, "lost"), 0);
  EXPECT_EQ(num(blob, "lost"), 0);
  EXPECT_EQ(num(first, "lost"), 0);
  // S3 first: every run in an object ingest PUT (its post and patch, when
  // one request carries both), each object read back by a worker GET at
  // least once; payloads then inline, so ClickHouse gets what inline gets.
  EXPECT_GE(num(first, "s3_puts"), 800);
  EXPECT_GE(num(first, "s3_gets"), num(first, "s3_puts"));
  EXPECT_EQ(num(inl, "s3_gets"), 0);
  EXPECT_EQ(num(blob, "s3_gets"), 0);
  EXPECT_GT(num(first, "clickhouse_inserted_mib"), 0.8 * num(inl, "clickhouse_inserted_mib"));
  EXPECT_LT(num(first, "clickhouse_inserted_mib"), 1.25 * num(inl, "clickhouse_inserted_mib"));
  EXPECT_EQ(std::string_view(first["ingest_mode"].get_string().value()), "s3-first");
  // Inline puts nothing in S3; auto puts the ~5% large inputs (and large outputs) there.
  EXPECT_EQ(num(inl, "s3_puts"), 0);
  EXPECT_GE(num(blob, "s3_puts"), 20);
  EXPECT_GT(num(blob, "s3_mib"), 1);
  // So ClickHouse gets less: bytes inserted, written and kept.
  EXPECT_LT(num(blob, "clickhouse_inserted_mib"), 0.7 * num(inl, "clickhouse_inserted_mib"));
  EXPECT_LT(num(blob, "clickhouse_written_mib"), 0.7 * num(inl, "clickhouse_written_mib"));
  EXPECT_LT(num(blob, "clickhouse_disk_mib"), 0.7 * num(inl, "clickhouse_disk_mib"));
  // Fewer INSERTs and parts too: a batch fills by the bytes its INSERT
  // writes, and parts going to S3 do not count (256 KiB batches of 10-run
  // requests here, so that 4 s make tens of them: ~1.5 MB/s inline, ~1 MB/s
  // with blobs).
  EXPECT_GE(num(inl, "inserts"), 8);
  EXPECT_LT(num(blob, "inserts"), num(inl, "inserts"));
  EXPECT_LE(num(blob, "parts_created"), num(inl, "parts_created"));
  EXPECT_GT(num(inl, "insert_p99_ms"), 0);
  EXPECT_GE(num(blob, "lag_p99_ms"), 0);  // measured; 18.16's whole-second inserted_at may make it 0
  // The overload: the best 5 s of rows inserted, at most what was offered (2,000 runs/s, a post and a patch each).
  // S3 first costs a PUT and a GET per operation: s3rver (~1,000 requests/s
  // here) caps that side near 500 rows/s, so it only has to sustain some.
  for (auto [side, floor] : {std::pair{inl, 500.0}, std::pair{blob, 500.0}, std::pair{first, 100.0}}) {
    EXPECT_GT(num(side, "visible_p99_ms"), 0);  // probes sent and found
    EXPECT_GT(num(side, "max_sustained_rows_per_s"), floor);
    EXPECT_LE(num(side, "max_sustained_rows_per_s"), 4000 * 1.1);
    EXPECT_GT(num(side, "overload_backlog_max"), 0);
  }
  std::string_view sizes;
  ASSERT_EQ(doc["config"]["inputs_size"].get(sizes), simdjson::SUCCESS);
  EXPECT_EQ(sizes, "75%:500B-4KB,20%:4KB-16KB,5%:24KB-64KB");
  EXPECT_EQ(doc["config"]["capacity_rate"].get_double().value(), 2000);
  EXPECT_EQ(doc["ratio_s3-first_over_inline"]["runs_accepted"].get_double().value(), 1);
  fs::remove_all(out);
}

}  // namespace
}  // namespace tracepipe::test

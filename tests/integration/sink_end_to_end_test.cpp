// Runs through ingest → Redis → workers → S3 + ClickHouse: exactly N in,
// N found, fields as sent, large fields byte-identical in S3, patches applied.
#include <gtest/gtest.h>

#include "ingest_harness.hpp"
#include "s3/client.hpp"
#include "sink/schema.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

TEST(SinkEndToEnd, EveryRunInClickHouseWithBlobsAndPatches) {
  auto s = sink_settings("e2e");
  s.clickhouse.project_index = true;
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto runs = sink_runs(300, 11);
  auto ops = send_runs(ingest.url(), runs);
  ASSERT_EQ(ops, 600u);

  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, std::chrono::seconds(60)))
      << ch.distinct_ops() << " of " << ops;
  EXPECT_EQ(ch.count("SELECT count() FROM (SELECT id, kind, count() AS c FROM " + ch.table() +
                     " FINAL GROUP BY id, kind HAVING c > 1)"),
            0u);
  // Acknowledged and deleted: nothing left behind in the stream.
  ASSERT_TRUE(eventually([&] { return redis_probe().xlen(ingest.stream()) == 0; }));

  auto merged = ch.rows("SELECT id, trace_id, parent_run_id, dotted_order, name, run_type, project, start_time_us, "
                        "end_time_us, inputs, inputs_s3, inputs_bytes, outputs, outputs_s3, patched, attachments FROM " +
                        ch.table() + "_merged");
  ASSERT_EQ(merged.size(), runs.size());
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : merged) by_id[row["id"]] = row;
  s3::client s3({s.s3.endpoint, s.s3.bucket, s.s3.region, s.s3.access_key, s.s3.secret_key});
  std::size_t offloaded = 0;
  for (const auto& r : runs) {
    SCOPED_TRACE(r.id);
    auto& row = by_id.at(r.id);
    EXPECT_EQ(row["trace_id"], r.trace_id);
    EXPECT_EQ(row["parent_run_id"], r.parent_run_id);
    EXPECT_EQ(row["dotted_order"], r.dotted_order);
    EXPECT_EQ(row["name"], r.name);
    EXPECT_EQ(row["run_type"], r.run_type);
    EXPECT_EQ(row["project"], "sinktest");
    EXPECT_EQ(row["start_time_us"], std::to_string(r.start_us));
    EXPECT_EQ(row["end_time_us"], std::to_string(r.end_us / 1000 * 1000));  // patches send epoch ms
    EXPECT_EQ(row["patched"], "1");
    EXPECT_EQ(row["outputs"], r.outputs_json);
    EXPECT_EQ(row["inputs_bytes"], std::to_string(r.inputs_json.size()));
    if (r.inputs_json.size() > s.worker.blob_threshold) {
      ++offloaded;
      auto key = "runs/" + r.id + "/post/inputs";
      EXPECT_EQ(row["inputs"], "");
      EXPECT_EQ(row["inputs_s3"], "s3://" + s.s3.bucket + "/" + key);
      std::string error;
      auto fetched = s3.get(key, &error);
      ASSERT_TRUE(fetched) << error;
      EXPECT_EQ(*fetched, r.inputs_json);  // byte-identical
    } else {
      EXPECT_EQ(row["inputs"], r.inputs_json);
      EXPECT_EQ(row["inputs_s3"], "");
    }
  }
  EXPECT_EQ(offloaded, 60u);
  // The project index: every run's post once (after a merge), under its project.
  EXPECT_EQ(ch.scalar("SELECT concat(toString(count()), ' ', toString(uniqExact(id)), ' ', any(project)) FROM " +
                      ch.table() + "_by_project FINAL"),
            "300 300 sinktest");
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
}

TEST(SinkEndToEnd, ARunsTableMadeBeforeTheProjectIndexHasItsRunsCopiedIntoIt) {
  auto s = sink_settings("backfill");
  s.clickhouse.project_index = true;
  clickhouse_probe ch(s);
  auto ddl = sink::schema_ddl({s.clickhouse.database, s.clickhouse.table}, *sink::clickhouse_version::parse("18.16.1"));
  ch.scalar(ddl[0]);
  ch.scalar(ddl[1]);  // the runs table alone, as an older tracepipe made it
  ch.scalar("INSERT INTO " + ch.table() +
            " (id, kind, project, tenant, start_time_us, version) VALUES ('old-1', 'post', 'p', 't', 1, 1), "
            "('old-1', 'patch', 'p', 't', 0, 2), ('old-2', 'post', 'q', 't', 2, 1)");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto ops = send_runs(ingest.url(), sink_runs(20, 12));
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops + 3; }, std::chrono::seconds(60))) << ch.distinct_ops();
  worker.stop();
  EXPECT_EQ(ch.scalar("SELECT groupArray(id) FROM (SELECT id FROM " + ch.table() +
                      "_by_project FINAL WHERE id LIKE 'old-%' ORDER BY id)"),
            "['old-1','old-2']")
      << "the posts already there, once each";
  EXPECT_EQ(ch.count("SELECT uniqExact(id) FROM " + ch.table() + "_by_project"), 22u) << "and the new ones";
}

}  // namespace
}  // namespace tracepipe::test

// Langfuse's tables on three replicas: made ON CLUSTER as Replicated with
// the runs table, and a batch of events through ingest and the workers is on
// every replica, each event once.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "ingest_harness.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

TEST(ReplicatedLangfuse, EveryEventOnEveryReplicaInReplicatedTables) {
  auto s = sink_settings("replicas_langfuse");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  std::string batch = R"({"batch":[)";
  for (int t = 0; t < 20; ++t) {
    auto e = [&](const char* id, const char* type, const std::string& body) {
      batch += (batch.back() == '[' ? "" : ",") + std::string(R"({"id":")") + id + std::to_string(t) +
               R"(","timestamp":"2024-05-01T12:00:00Z","type":")" + type + R"(","body":)" + body + "}";
    };
    auto trace = "\"t" + std::to_string(t) + "\"";
    e("trace-", "trace-create", "{\"id\":" + trace + "}");
    e("span-", "span-create", "{\"id\":\"s" + std::to_string(t) + "\",\"traceId\":" + trace + "}");
    e("end-", "span-update", "{\"id\":\"s" + std::to_string(t) + "\",\"endTime\":\"2024-05-01T12:00:01Z\"}");
    e("score-", "score-create", "{\"id\":\"c" + std::to_string(t) + "\",\"traceId\":" + trace + ",\"name\":\"q\",\"value\":1}");
  }
  batch += "]}";
  auto answer = raw_exchange(ingest.url(), "POST /api/public/ingestion HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                           "application/json\r\nContent-Length: " +
                                               std::to_string(batch.size()) + "\r\nConnection: close\r\n\r\n" + batch);
  ASSERT_EQ(answer.first, 207u) << answer.second;
  for (std::size_t r = 0; r < s.clickhouse.urls.size(); ++r) {
    SCOPED_TRACE(s.clickhouse.urls[r]);
    clickhouse_probe replica(s, r);
    for (const auto& table_rows : {std::pair{"traces", 20u}, std::pair{"observations", 40u}, std::pair{"scores", 20u}}) {
      const std::string table = table_rows.first;
      const std::uint64_t rows = table_rows.second;  // not a structured binding: lambdas capture it (clang 14)
      auto name = s.clickhouse.database + ".langfuse_" + table;
      EXPECT_EQ(replica.scalar("SELECT engine FROM system.tables WHERE database = '" + s.clickhouse.database +
                               "' AND name = 'langfuse_" + table + "'"),
                "ReplicatedReplacingMergeTree");
      auto count = [&] { return replica.count("SELECT count() FROM " + name); };
      EXPECT_TRUE(eventually([&] { return count() == rows; }, 60s)) << count() << " of " << rows << " in " << name;
    }
  }
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
}

}  // namespace
}  // namespace tracepipe::test

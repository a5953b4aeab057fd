// Langfuse v3 ingestion (POST /api/public/ingestion) through the whole write
// path: the official Langfuse JS SDK (npm `langfuse` 3.39.2, installed under
// .deps by tools/setup.sh) traces into an in-process ingest with workers on
// the test stack; tests/integration/js_sdk/langfuse_trace.mjs drives it.
// - Every trace, observation (creates and updates) and score the SDK sent is
//   in ClickHouse's Langfuse tables exactly once, in the project of the key
//   it authenticated with (Basic public:secret); the SDK saw 207s without errors.
// - A batch with bad events: per-event 400 errors, the good events land.
// - Whole-request refusals: 413 past ingest.langfuse_body_limit (before the
//   body), 401 for a wrong secret, 400 for a body with no batch, 429 at the
//   queue's high watermark.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "common/base64.hpp"
#include "common/sha256.hpp"
#include "ingest_harness.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

const fs::path script_path = fs::path(TRACEPIPE_SOURCE_DIR) / "tests/integration/js_sdk/langfuse_trace.mjs";
const fs::path sdk_package = fs::path(TRACEPIPE_SOURCE_DIR) / ".deps/node_modules/langfuse/package.json";
constexpr const char* public_key = "pk-lf-tracepipe";
constexpr const char* secret_key = "sk-lf-tracepipe-secret";
constexpr const char* bound_project = "lf-project";
constexpr std::size_t traces = 12;

std::vector<std::string> strings(simdjson::dom::element doc, const char* key) {
  std::vector<std::string> out;
  for (auto v : doc[key].get_array()) out.emplace_back(std::string_view(v));
  return out;
}

std::string in_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "'" : ",'") + id + "'";
  return out;
}

std::string basic(const std::string& secret) {
  std::string credentials;
  common::append_base64(credentials, std::string(public_key) + ":" + secret);
  return "Basic " + credentials;
}

std::string post(const std::string& body, const std::string& authorization, const std::string& extra_headers = "") {
  return "POST /api/public/ingestion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " +
         authorization + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
         "Connection: close\r\n\r\n" + body;
}

TEST(LangfuseSdk, EveryTraceObservationAndScoreLandsExactlyOnceAndBadEventsAloneAreRefused) {
  auto node = find_on_path("node");
  if (!node) GTEST_SKIP() << "node is not on PATH: the Langfuse JS SDK test needs Node.js (run tools/setup.sh)";
  if (!fs::exists(sdk_package)) GTEST_SKIP() << "the Langfuse JS SDK is not installed at " << sdk_package;

  auto s = sink_settings("langfuse_sdk");
  s.ingest.api_keys = {{common::sha256_hex(secret_key), bound_project}};
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto sdk = run_captured({*node, script_path.string()},
                          environment_without({"LANGFUSE_"}, {{"LANGFUSE_BASEURL", ingest.url()},
                                                              {"LANGFUSE_PUBLIC_KEY", public_key},
                                                              {"LANGFUSE_SECRET_KEY", secret_key},
                                                              {"TRACES", std::to_string(traces)}}),
                          std::chrono::seconds(90));
  ASSERT_EQ(sdk.exit_code, 0) << sdk.out << "\n--- stderr ---\n" << sdk.err;
  SCOPED_TRACE("script: " + sdk.out);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(sdk.out).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["sdk_version"]), "3.39.2");

  // What the SDK sent and heard: 207s, every event a success.
  std::size_t successes = 0;
  for (auto a : doc["answers"].get_array()) {
    EXPECT_EQ(std::int64_t(a["status"]), 207);
    EXPECT_EQ(a["errors"].get_array().size(), 0u);
    successes += std::int64_t(a["successes"]);
  }
  for (const char* type : {"trace-create", "span-create", "span-update", "generation-create", "generation-update",
                           "event-create", "score-create"})
    EXPECT_EQ(std::int64_t(doc["events"][type]), std::int64_t(traces)) << type;
  EXPECT_EQ(successes, 7 * traces);

  // The batch with bad events: each bad one a 400 of its own, the good ones 201.
  simdjson::dom::element bad = doc["bad_batch"];
  EXPECT_EQ(std::int64_t(bad["status"]), 207);
  std::set<std::string> succeeded, refused;
  for (auto ok : bad["answer"]["successes"].get_array()) {
    succeeded.insert(std::string(std::string_view(ok["id"])));
    EXPECT_EQ(std::int64_t(ok["status"]), 201);
  }
  for (auto e : bad["answer"]["errors"].get_array()) {
    refused.insert(std::string(std::string_view(e["id"])));
    EXPECT_EQ(std::int64_t(e["status"]), 400);
    EXPECT_EQ(std::string_view(e["message"]), "Invalid request data");
    EXPECT_TRUE(std::string_view(e["error"]).starts_with("batch[")) << std::string_view(e["error"]);
  }
  EXPECT_EQ(succeeded, (std::set<std::string>{"good-trace", "good-span"}));
  auto bad_ids = strings(bad, "bad");
  EXPECT_EQ(refused, std::set<std::string>(bad_ids.begin(), bad_ids.end()));

  // What landed: N in, N found, once each, in the key's project.
  auto trace_ids = strings(doc, "traces"), observation_ids = strings(doc, "observations"), score_ids = strings(doc, "scores");
  trace_ids.emplace_back(std::string_view(bad["good"]["trace"]));
  observation_ids.emplace_back(std::string_view(bad["good"]["span"]));
  // Observations: each span and generation was created and updated; events only created.
  const std::size_t observation_rows = 5 * traces + 1;
  const std::string db = s.clickhouse.database;
  clickhouse_probe ch(s);
  auto rows = [&](const std::string& table) { return ch.count("SELECT count() FROM " + db + ".langfuse_" + table); };
  ASSERT_TRUE(eventually([&] {
    return rows("traces") >= trace_ids.size() && rows("observations") >= observation_rows && rows("scores") >= score_ids.size();
  }, std::chrono::seconds(30)))
      << "traces " << rows("traces") << ", observations " << rows("observations") << ", scores " << rows("scores");
  struct expected {
    std::string table;
    const std::vector<std::string>& ids;
    std::size_t rows;
  };
  for (const expected& e : {expected{"traces", trace_ids, trace_ids.size()},
                            expected{"observations", observation_ids, observation_rows},
                            expected{"scores", score_ids, score_ids.size()}}) {
    SCOPED_TRACE(e.table);
    auto table = db + ".langfuse_" + e.table;
    EXPECT_EQ(rows(e.table), e.rows) << "rows before merges: no event twice";
    EXPECT_EQ(ch.count("SELECT count() FROM " + table + " FINAL"), e.rows) << "a create and its update both stay";
    EXPECT_EQ(ch.count("SELECT uniqExact(id) FROM " + table), e.ids.size());
    EXPECT_EQ(ch.count("SELECT uniqExact(id) FROM " + table + " WHERE id IN (" + in_list(e.ids) + ")"), e.ids.size());
    EXPECT_EQ(ch.count("SELECT count() FROM " + table + " WHERE project_id != '" + bound_project + "'"), 0u);
    EXPECT_EQ(ch.count("SELECT count() FROM " + table + " WHERE event_id IN (" + in_list(bad_ids) + ")"), 0u);
  }
  // The updates carry what ended the observations.
  EXPECT_EQ(ch.count("SELECT count() FROM " + db + ".langfuse_observations WHERE event_type = 'generation-update' "
                     "AND end_time_ms > 0 AND has(usage_details_keys, 'input')"),
            traces);
  EXPECT_EQ(ch.count("SELECT count() FROM " + db + ".langfuse_scores WHERE name = 'quality' AND trace_id IN (" +
                     in_list(strings(doc, "traces")) + ")"),
            traces);
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
}

TEST(LangfuseIngest, WholeRequestRefusalsAndAdmission) {
  auto s = test_settings("langfuse_refusals");
  s.ingest.api_keys = {{common::sha256_hex(secret_key), ""}};
  s.ingest.langfuse_body_limit = 1000;
  s.ingest.queue_high_watermark = 1;
  ingest_under_test ingest(s);
  const std::string one = R"({"batch":[{"id":"e1","timestamp":"2024-05-01T12:00:00Z","type":"trace-create",)"
                          R"("body":{"id":"t1"}}]})";
  // Past the route's own limit, though under ingest.body_limit: 413 on the header alone.
  std::string big = R"({"batch":[)" + std::string(2000, ' ') + "]}";
  EXPECT_EQ(raw_exchange(ingest.url(), post(big, basic(secret_key))).first, 413u);
  auto chunked = "POST /api/public/ingestion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " +
                 basic(secret_key) + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n7d0\r\n" +
                 std::string(2000, ' ') + "\r\n0\r\n\r\n";
  EXPECT_EQ(raw_exchange(ingest.url(), chunked).first, 413u);
  EXPECT_EQ(raw_exchange(ingest.url(), post(one, basic("wrong"))).first, 401u);
  EXPECT_EQ(raw_exchange(ingest.url(), post(one, "Bearer " + std::string(public_key))).first, 401u);
  auto no_batch = raw_exchange(ingest.url(), post(R"({"events":[]})", basic(secret_key)));
  EXPECT_EQ(no_batch.first, 400u);
  EXPECT_NE(no_batch.second.find("invalid_batch"), std::string::npos) << no_batch.second;
  auto accepted = raw_exchange(ingest.url(), post(one, basic(secret_key)));
  EXPECT_EQ(accepted.first, 207u);
  EXPECT_EQ(accepted.second, R"({"successes":[{"id":"e1","status":201}],"errors":[]})");
  redis_probe redis;
  auto entries = redis.entries(ingest.stream());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("kind"), "langfuse");
  EXPECT_EQ(entries[0].at("entity"), "trace");
  EXPECT_EQ(entries[0].at("body_id"), "t1");
  EXPECT_EQ(entries[0].at("event_id"), "e1");
  EXPECT_EQ(entries[0].at("trace_id"), "t1");
  EXPECT_EQ(entries[0].at("project"), s.ingest.default_project);  // an unbound key
  // The queue holds one entry: at its high watermark of one, the next request waits.
  ASSERT_TRUE(eventually([&] { return raw_exchange(ingest.url(), post(one, basic(secret_key))).first == 429; }));
  redis.del(ingest.stream());
}

}  // namespace
}  // namespace tracepipe::test

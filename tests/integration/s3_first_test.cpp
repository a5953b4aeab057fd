// ingest.mode s3-first against the real stack: every run and Langfuse event
// is PUT to s3rver under Langfuse's key layout before the answer, Redis
// carries only references, and workers GET the objects back and insert each
// entry exactly once. S3 down before the enqueue: 503, nothing enqueued. S3
// down while workers read: they hold the batch, nothing is lost.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <unistd.h>

#include <simdjson.h>

#include "ingest_harness.hpp"
#include "s3/client.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

/// Settings in s3-first mode, storing under a prefix of this process and test.
config::settings s3_first_settings(const std::string& name) {
  auto s = sink_settings(name);
  s.ingest.mode = "s3-first";
  s.s3.event_prefix = "s3_first_test/" + std::to_string(::getpid()) + "-" + name + "/";
  return s;
}

/// Langfuse events: a trace, an observation created and updated, a score.
std::string langfuse_batch(const std::string& tag) {
  auto t = "t-" + tag, o = "o-" + tag;
  return R"({"batch":[)"
         R"({"id":"e1-)" + tag + R"(","timestamp":"2024-05-01T12:00:00Z","type":"trace-create","body":{"id":")" + t +
         R"(","name":"n"}},)"
         R"({"id":"e2-)" + tag + R"(","timestamp":"2024-05-01T12:00:01Z","type":"span-create","body":{"id":")" + o +
         R"(","traceId":")" + t + R"(","startTime":"2024-05-01T12:00:01Z"}},)"
         R"({"id":"e3-)" + tag + R"(","timestamp":"2024-05-01T12:00:02Z","type":"span-update","body":{"id":")" + o +
         R"(","traceId":")" + t + R"(","endTime":"2024-05-01T12:00:02Z"}},)"
         R"({"id":"e4-)" + tag + R"(","timestamp":"2024-05-01T12:00:03Z","type":"score-create","body":{"id":"s-)" +
         tag + R"(","traceId":")" + t + R"(","name":"q","value":1}}]})";
}

std::string langfuse_post(const std::string& body) {
  return "POST /api/public/ingestion HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

s3::client s3_of(const config::settings& s) {
  return s3::client({s.s3.endpoint, s.s3.bucket, s.s3.region, s.s3.access_key, s.s3.secret_key});
}

TEST(S3First, RedisCarriesReferencesAndEveryRunAndEventLandsOnce) {
  auto s = s3_first_settings("s3first");
  ingest_under_test ingest(s);
  auto runs = sink_runs(120, 41);
  auto ops = send_runs(ingest.url(), runs, 30);
  ASSERT_EQ(ops, 240u);
  auto answer = raw_exchange(ingest.url(), langfuse_post(langfuse_batch("a")));
  ASSERT_EQ(answer.first, 207u) << answer.second;
  EXPECT_EQ(answer.second.find(R"("errors":[])") != std::string::npos, true) << answer.second;

  // The stream holds one small reference per operation and event; the objects hold the entries.
  auto entries = redis_probe().entries(ingest.stream());
  ASSERT_EQ(entries.size(), ops + 4);
  std::map<std::string, std::size_t> per_object;
  for (const auto& e : entries) {
    EXPECT_EQ(e.at("kind"), "s3");
    EXPECT_EQ(e.count("run"), 0u);
    EXPECT_EQ(e.at("object").rfind(s.s3.event_prefix, 0), 0u) << e.at("object");
    ++per_object[e.at("object")];
  }
  // One object per run (its post and patch came in one request) and per Langfuse entity (the span's create and update share one).
  EXPECT_EQ(per_object.size(), runs.size() + 3);
  auto s3 = s3_of(s);
  std::size_t run_objects = 0;
  simdjson::dom::parser parser;
  for (const auto& [key, refs] : per_object) {
    std::string error;
    auto body = s3.get(key, &error);
    ASSERT_TRUE(body) << key << ": " << error;
    EXPECT_EQ(parser.parse(*body).get_array().size(), refs) << key;
    run_objects += key.find("/run/") != std::string::npos;
  }
  EXPECT_EQ(run_objects, runs.size());
  // Langfuse's layout: <prefix><project>/<entity>/<id>/<uuid>.json.
  std::regex layout(s.s3.event_prefix + "[A-Za-z0-9_.-]+/(run|trace|observation|score)/[A-Za-z0-9_.-]+/"
                    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.json");
  for (const auto& [key, refs] : per_object) EXPECT_TRUE(std::regex_match(key, layout)) << key;
  // The span's create and update: one object, two entries.
  std::size_t span_objects = 0;
  for (const auto& [key, refs] : per_object)
    if (key.find("/observation/o-a/") != std::string::npos) {
      ++span_objects;
      EXPECT_EQ(refs, 2u) << key;
    }
  EXPECT_EQ(span_objects, 1u);

  sink::worker worker(s);
  worker.start();
  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, std::chrono::seconds(60)))
      << ch.distinct_ops() << " of " << ops;
  auto db = s.clickhouse.database + "." + s.clickhouse.langfuse_table_prefix;
  ASSERT_TRUE(eventually([&] { return ch.count("SELECT count() FROM " + db + "scores") == 1; }));
  EXPECT_EQ(ch.count("SELECT count() FROM " + db + "traces"), 1u);
  EXPECT_EQ(ch.count("SELECT count() FROM " + db + "observations"), 2u);
  ASSERT_TRUE(eventually([&] { return redis_probe().xlen(ingest.stream()) == 0; }));
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
  // The rows are the entries': payloads as sent, the large ones offloaded by the worker as in direct mode.
  auto merged = ch.rows("SELECT id, name, inputs, inputs_s3, outputs, patched FROM " + ch.table() + "_merged");
  ASSERT_EQ(merged.size(), runs.size());
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : merged) by_id[row["id"]] = row;
  for (const auto& r : runs) {
    auto& row = by_id.at(r.id);
    EXPECT_EQ(row["name"], r.name) << r.id;
    EXPECT_EQ(row["outputs"], r.outputs_json) << r.id;
    EXPECT_EQ(row["patched"], "1") << r.id;
    EXPECT_EQ(row["inputs"].empty(), !row["inputs_s3"].empty()) << r.id;
  }
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
  EXPECT_GE(worker.metrics().objects_fetched.load(), per_object.size());
}

TEST(S3First, S3DownBeforeTheEnqueueIs503AndNothingIsEnqueued) {
  auto s = s3_first_settings("s3first_down");
  ingest_under_test ingest(s);
  auto runs = sink_runs(10, 43);
  restart_guard guard{"s3"};
  stack::stop_component(stack_dir(), "s3", std::cerr);
  EXPECT_THROW(send_runs(ingest.url(), runs, 10), std::runtime_error);
  auto refused = raw_exchange(ingest.url(), langfuse_post(langfuse_batch("b")));
  EXPECT_EQ(refused.first, 503u);
  EXPECT_NE(refused.second.find("could not be stored in S3"), std::string::npos) << refused.second;
  EXPECT_NE(refused.second.find("nothing was enqueued"), std::string::npos) << refused.second;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
  stack::start_component(stack_dir(), "s3", std::cerr);
  // The client's retry: accepted once S3 is back.
  EXPECT_EQ(send_runs(ingest.url(), runs, 10), 20u);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 20);
  redis_probe().del(ingest.stream());
}

TEST(S3First, S3DownWhileWorkersReadHoldsTheBatchThenLosesNothing) {
  auto s = s3_first_settings("s3first_hold");
  ingest_under_test ingest(s);
  auto runs = sink_runs(60, 47);
  auto ops = send_runs(ingest.url(), runs, 20);
  ASSERT_EQ(ops, 120u);
  restart_guard guard{"s3"};
  stack::stop_component(stack_dir(), "s3", std::cerr);
  sink::worker worker(s);
  worker.start();
  clickhouse_probe ch(s);
  // Read and held: pending, nothing inserted, nothing dead-lettered.
  expect_held_until_s3_returns(s, ops, ch);
  if (HasFatalFailure()) return;
  worker.stop();
  EXPECT_GT(worker.metrics().retries[1].load(), 0u);
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
  EXPECT_EQ(pending(s), 0u);
}

}  // namespace
}  // namespace tracepipe::test

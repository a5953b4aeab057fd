// `tracepipe load` in-process against an in-process ingest on the test
// stack's Redis: exact counts end to end, the rate held, the report written,
// 429s counted, retried after Retry-After or dropped, and compressed bodies
// accepted.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest_harness.hpp"
#include "loadgen/load_runner.hpp"
#include "report/summary.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

loadgen::load_options options(const std::string& url, double rate, std::chrono::nanoseconds d, int batch) {
  loadgen::load_options o;
  o.target = url;
  o.stages = loadgen::constant_stages(rate, d);
  o.body.runs_per_request = batch;
  o.body.seed = 4242;
  o.connections = 8;
  return o;
}

TEST(Load, HoldsTheRateAndEveryAcceptedOperationIsInTheStream) {
  ingest_under_test ingest(test_settings("load"));
  auto o = options(ingest.url(), 2000, 3s, 20);
  auto r = loadgen::run_load(o);
  EXPECT_EQ(r.offered, 300u);
  EXPECT_EQ(r.sent, 300u);
  EXPECT_EQ(r.accepted, r.sent);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.runs_accepted, 6000u);
  EXPECT_EQ(r.operations_accepted, 6000u + 5980u);  // posts, and the patches of all but the last request's runs
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), static_cast<long long>(r.operations_accepted));
  EXPECT_NEAR(r.achieved_rate, 2000, 2000 * 0.02);
  EXPECT_EQ(r.corrected.count(), 300u);
  EXPECT_GE(r.corrected.quantile(0.5), r.uncorrected.quantile(0.5));  // intended ≤ actual send time
  EXPECT_GE(r.timeseries.size(), 3u);

  auto text = report::summary_json(r);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  for (auto key : {"sent", "accepted", "rejected", "errors", "target_rate", "achieved_rate", "http_latency_ms"})
    EXPECT_EQ(doc[key].error(), simdjson::SUCCESS) << key;
  EXPECT_EQ(doc["accepted"].get_uint64().value(), 300u);
}

TEST(Load, TheToolWritesReportsAndFailsThresholds) {
  ingest_under_test ingest(test_settings("load_tool"));
  auto out = std::filesystem::temp_directory_path() / ("tracepipe-load-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  auto cmd = std::string(TRACEPIPE_BINARY) + " load --quiet --target " + ingest.url() +
             " --rate 500 --duration 1s --batch-size 10 --out " + out.string() +
             " --threshold 'errors==0' --threshold 'http_p99<0.001ms' > /dev/null 2>" + (out.string() + ".err");
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);  // p99 under a microsecond fails
  std::ifstream err(out.string() + ".err");
  std::stringstream e;
  e << err.rdbuf();
  EXPECT_NE(e.str().find("threshold failed: http_p99<0.001ms"), std::string::npos) << e.str();
  EXPECT_EQ(e.str().find("errors==0"), std::string::npos) << e.str();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load((out / "summary.json").string()).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["accepted"].get_uint64().value(), 50u);
  std::ifstream csv(out / "timeseries.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.substr(0, 20), "second,offered_runs,");
  std::filesystem::remove_all(out);
  std::filesystem::remove(out.string() + ".err");
}

loadgen::load_result overloaded(bool retry) {
  auto s = test_settings(retry ? "load_429_retry" : "load_429_drop");
  s.ingest.queue_high_watermark = 100;
  s.ingest.retry_after_s = 1;
  ingest_under_test ingest(s);
  auto o = options(ingest.url(), 1000, 2s, 20);
  o.retry = retry;
  o.max_retries = 1;
  auto r = loadgen::run_load(o);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), static_cast<long long>(r.operations_accepted));
  return r;
}

TEST(Load, RejectedRequestsAreDroppedWhenRetriesAreOff) {
  auto r = overloaded(false);
  ASSERT_GT(r.rejected[429], 0u);
  EXPECT_EQ(r.retries, 0u);
  EXPECT_EQ(r.sent, r.offered);
  EXPECT_EQ(r.accepted + r.rejected[429], r.sent);
  EXPECT_EQ(r.dropped, r.rejected[429]);
}

TEST(Load, RejectedRequestsAreRetriedAfterRetryAfter) {
  auto r = overloaded(true);
  ASSERT_GT(r.rejected[429], 0u);
  // Each refused first attempt is retried once (the queue stays full, so
  // the retry is refused too, and then dropped).
  EXPECT_GT(r.retries, 0u);
  EXPECT_EQ(r.sent, r.offered + r.retries);
  EXPECT_EQ(r.accepted + r.rejected[429], r.sent);
  EXPECT_EQ(r.dropped, r.rejected[429] - r.retries);
  // A retry waits Retry-After (1 s), and corrected latency counts that wait.
  EXPECT_GE(r.corrected.max(), 1'000'000u);
  EXPECT_LT(r.uncorrected.max(), 1'000'000u);
}

// Compressed bodies with the generator's mixes (tree traces, sizes drawn per
// run, run types): the real ingest decodes and accepts every one.
TEST(Load, CompressedMixedBodiesAreAccepted) {
  for (auto method : {sink::body_compression::gzip, sink::body_compression::zstd}) {
    bool gzip = method == sink::body_compression::gzip;
    SCOPED_TRACE(gzip ? "gzip" : "zstd");
    ingest_under_test ingest(test_settings(gzip ? "load_gzip" : "load_zstd"));
    for (auto endpoint : {loadgen::wire::batch, loadgen::wire::multipart}) {
      auto o = options(ingest.url(), 1000, 1s, 20);
      o.compression = method;
      o.body.endpoint = endpoint;
      o.body.runs_per_trace = {1, 12};
      o.body.trace_depth = loadgen::count_range{2, 4};
      o.body.inputs_size = *loadgen::size_distribution::parse("80%:100-500,20%:2KB-8KB", nullptr);
      o.body.outputs_size = *loadgen::size_distribution::parse("lognormal:median=300,sigma=1,max=16KB", nullptr);
      auto before = redis_probe().xlen(ingest.stream());
      auto r = loadgen::run_load(o);
      EXPECT_EQ(r.sent, 50u);
      EXPECT_EQ(r.accepted, r.sent);
      EXPECT_TRUE(r.rejected.empty()) << r.rejected.begin()->first;
      EXPECT_EQ(r.errors, 0u);
      EXPECT_EQ(redis_probe().xlen(ingest.stream()) - before, static_cast<long long>(r.operations_accepted));
      auto* compression = r.config.if_contains("compression");
      ASSERT_NE(compression, nullptr);
      EXPECT_EQ(*compression, gzip ? "gzip" : "zstd");
    }
  }
}

TEST(Load, UnreachableTargetIsAClearError) {
  auto o = options("http://127.0.0.1:1", 10, 1s, 1);
  try {
    loadgen::run_load(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unreachable"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::test

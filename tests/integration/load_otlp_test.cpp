// `tracepipe load --protocol otlp-proto|otlp-json` as a user types it,
// against the real write path (ingest's OTLP route, Redis, workers,
// ClickHouse) with --stack: every span's run acknowledged by a 200 is found
// exactly once by the reconcile (span-form ids mapped back), none lost.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>

#include "child_process.hpp"
#include "ingest_harness.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

class LoadOtlp : public testing::TestWithParam<std::string> {};

TEST_P(LoadOtlp, EveryAcknowledgedSpanIsFoundOnceAsItsRun) {
  const auto& protocol = GetParam();
  auto s = sink_settings("load_" + protocol.substr(5));
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  auto out = fs::temp_directory_path() / ("tracepipe-load-" + protocol + "-" + std::to_string(::getpid()));
  fs::remove_all(out);
  auto log = out.string() + ".out";
  auto cmd = std::string(TRACEPIPE_BINARY) + " load --quiet --protocol " + protocol + " --target " + ingest.url() +
             " --stack " + stack_dir() + " --stream " + s.redis.stream + " --group " + s.worker.group +
             " --clickhouse-database " + s.clickhouse.database + " --project " + protocol +
             " --rate 1000 --duration 3s --batch-size 20 --runs-per-trace 1-6 --trace-depth 2-4 --payload-bytes 300-3000"
             " --out " + out.string() + " --threshold 'lost==0' --threshold 'duplicates==0' > " + log + " 2>&1";
  int status = std::system(cmd.c_str());
  worker.stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load((out / "summary.json").string()).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["config"]["protocol"].get_string().value(), protocol);
  EXPECT_EQ(doc["config"]["pattern"].get_string().value(), "post");
  EXPECT_EQ(doc["runs"]["accepted"].get_uint64().value(), 3000u);
  EXPECT_EQ(doc["runs"]["operations_accepted"].get_uint64().value(), 3000u) << "one post per span, no patches";
  EXPECT_EQ(doc["accepted"].get_uint64().value(), 150u) << "every export answered 200, none partly refused";
  EXPECT_EQ(doc["reconcile"]["expected"].get_uint64().value(), 3000u);
  EXPECT_EQ(doc["reconcile"]["found"].get_uint64().value(), 3000u);
  EXPECT_EQ(doc["lost"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["duplicates"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["unacknowledged_found"].get_uint64().value(), 0u);
  EXPECT_GT(doc["visible_ms"]["count"].get_uint64().value(), 0u) << "the probes find span-form ids too";
  EXPECT_NE(slurp(out / "acknowledged_ops.txt").find(" ids=span\n"), std::string::npos);
  fs::remove_all(out);
  fs::remove(log);
}

INSTANTIATE_TEST_SUITE_P(Protocols, LoadOtlp, testing::Values("otlp-proto", "otlp-json"),
                         [](const auto& info) { return info.param == "otlp-json" ? "Json" : "Proto"; });

}  // namespace
}  // namespace tracepipe::test

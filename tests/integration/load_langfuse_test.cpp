// `tracepipe load --protocol langfuse` as a user types it, against the real
// write path (ingest's Langfuse route, Redis, workers, ClickHouse's Langfuse
// tables) with --stack: every event acknowledged by a 207 without errors is
// found exactly once by (body id, event id) in the API key's project, none
// lost; a second load of the same seed into the same tables collapses into
// nothing of the first. What Langfuse's one endpoint cannot carry exits 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>

#include "child_process.hpp"
#include "config/api_keys.hpp"
#include "ingest/api_keys.hpp"
#include "ingest_harness.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* secret = "sk-lf-load-secret";

TEST(LoadLangfuse, EveryAcknowledgedEventIsFoundOnceInTheKeysProjectAndTwoLoadsNeverCollapse) {
  auto s = sink_settings("load_langfuse");
  // The key is bound to a project: ingest files the events there, and the
  // load (given the same ingest.api_keys) reconciles there.
  auto keys = ingest::api_key_entry(secret) + "@lf-load";
  ASSERT_FALSE(config::parse_api_keys(keys, s.ingest.api_keys));
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  std::uint64_t events_of_both = 0;
  for (int load = 0; load < 2; ++load) {
    SCOPED_TRACE(load);
    auto out = fs::temp_directory_path() / fmt::format("tracepipe-load-langfuse-{}-{}", ::getpid(), load);
    fs::remove_all(out);
    auto log = out.string() + ".out";
    auto cmd = "TRACEPIPE_INGEST_API_KEYS='" + keys + "' " + std::string(TRACEPIPE_BINARY) +
               " load --quiet --protocol langfuse --api-key " + secret + " --target " + ingest.url() + " --stack " +
               stack_dir() + " --stream " + s.redis.stream + " --group " + s.worker.group + " --clickhouse-database " +
               s.clickhouse.database +
               " --seed 7 --rate 1000 --duration 3s --batch-size 20 --runs-per-trace 1-6 --trace-depth 2-4"
               " --run-types llm:50,tool:50 --payload-bytes 300-3000 --out " + out.string() +
               " --threshold 'lost==0' --threshold 'duplicates==0' > " + log + " 2>&1";
    int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);

    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.load((out / "summary.json").string()).get(doc), simdjson::SUCCESS);
    EXPECT_EQ(doc["config"]["protocol"].get_string().value(), "langfuse");
    EXPECT_EQ(doc["config"]["pattern"].get_string().value(), "post-patch");
    EXPECT_EQ(doc["runs"]["accepted"].get_uint64().value(), 3000u);
    auto events = doc["runs"]["operations_accepted"].get_uint64().value();
    // 3000 creates, a trace-create per root, the updates of all but the last request's runs.
    EXPECT_GT(events, 3000u + 2980u);
    EXPECT_EQ(doc["accepted"].get_uint64().value(), 150u) << "every batch answered 207 with no errors";
    EXPECT_EQ(doc["reconcile"]["expected"].get_uint64().value(), events);
    EXPECT_EQ(doc["reconcile"]["found"].get_uint64().value(), events);
    EXPECT_EQ(doc["lost"].get_uint64().value(), 0u);
    EXPECT_EQ(doc["duplicates"].get_uint64().value(), 0u);
    EXPECT_EQ(doc["unacknowledged_found"].get_uint64().value(), 0u);
    EXPECT_GT(doc["visible_ms"]["count"].get_uint64().value(), 0u) << "the probes find the observations";
    EXPECT_NE(slurp(out / "acknowledged_ops.txt").find(" ids=langfuse\n"), std::string::npos);
    std::cout << fmt::format("load {}: {} events acknowledged, {} found\n", load, events,
                             doc["reconcile"]["found"].get_uint64().value());
    events_of_both += events;
    fs::remove_all(out);
    fs::remove(log);
  }
  worker.stop();
  // The same seed twice: fresh ids per load, so every event of both is a row of its own.
  sink::clickhouse_client ch(sink::client_settings(s.clickhouse));
  auto rows = ch.query(fmt::format(
      "SELECT (SELECT uniqExact(id, event_id) FROM {0}.langfuse_traces WHERE project_id = 'lf-load') + "
      "(SELECT uniqExact(id, event_id) FROM {0}.langfuse_observations WHERE project_id = 'lf-load') FORMAT TSV",
      s.clickhouse.database));
  ASSERT_TRUE(rows.ok()) << rows.message;
  EXPECT_EQ(std::stoull(rows.body), events_of_both);
}

TEST(LoadLangfuse, WhatItsOneEndpointCannotCarryExits2) {
  for (std::vector<std::string> flags : {std::vector<std::string>{"--endpoint", "multipart"},
                                         {"--endpoint", "single"},
                                         {"--project", "mine"},
                                         {"--probe", "api"},
                                         {"--read-rate", "10"}}) {
    std::vector<std::string> argv{TRACEPIPE_BINARY, "load", "--protocol", "langfuse", "--rate", "10"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto run = run_captured(argv, environment_without({"TRACEPIPE_"}, {}), std::chrono::seconds(20));
    EXPECT_EQ(run.exit_code, 2) << flags[0] << " " << flags[1] << ": " << run.err;
    EXPECT_NE(run.err.find(flags[0]), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace tracepipe::test

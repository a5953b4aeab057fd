// The replica-lag lab scenario in its short form on the replicated stack:
// every expectation holds (a frozen replica, visibility through the load
// balancer falling behind, the write path healthy, lost 0); and refused,
// in one sentence, on a stack without replicas.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <simdjson.h>

#include "child_process.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

captured_run tracepipe(std::vector<std::string> args) {
  args.insert(args.begin(), TRACEPIPE_BINARY);
  std::vector<std::string> env = {"PATH=" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin")};
  if (const char* tmp = std::getenv("TMPDIR")) env.push_back(std::string("TMPDIR=") + tmp);
  return run_captured(args, env, std::chrono::seconds(300));
}

const fs::path replica_lag = fs::path(TRACEPIPE_SOURCE_DIR) / "lab" / "scenarios" / "replica-lag.yaml";

TEST(ReplicaScenario, ReplicaLagShortFormHoldsEveryExpectation) {
  auto out = fs::path(stack_dir()) / "scenario-replica-lag";
  auto r = tracepipe({"scenario", "run", replica_lag.string(), "--stack", stack_dir(), "--time-scale", "0.25", "--out",
                      out.string()});
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto text = slurp(out / "scenario.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_EQ(doc["passed"].get_bool().value_unsafe(), true) << text;
  simdjson::dom::array verdicts;
  ASSERT_EQ(doc["expectations"].get(verdicts), simdjson::SUCCESS);
  EXPECT_EQ(verdicts.size(), 6u) << "every expectation of the file is judged";
  for (auto v : verdicts) EXPECT_TRUE(v["passed"].get_bool().value_unsafe()) << simdjson::to_string(v);
  auto summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"replicas\":3"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"replication_lag_ms\":{"), std::string::npos) << summary;
  std::cout << r.out;
}

TEST(ReplicaScenario, NeedsReplicasSaysSoOnAStackWithout) {
  // The stack's first server alone, as a single-server configuration would name it.
  auto out = fs::path(stack_dir()) / "scenario-refused";
  auto r = run_captured({TRACEPIPE_BINARY, "scenario", "run", replica_lag.string(), "--stack", stack_dir(), "--out",
                         out.string()},
                        {"PATH=" + std::string(std::getenv("PATH")), "CLICKHOUSE_URLS=" + stack_env().at("CLICKHOUSE_URL"),
                         "CLICKHOUSE_CLUSTER="},
                        std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("scenario replica-lag cannot run here: it needs 3 ClickHouse replicas, and clickhouse.url "
                       "names 1 server(s)"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_FALSE(fs::exists(out / "summary.json")) << "no load was run";
}

}  // namespace
}  // namespace tracepipe::test

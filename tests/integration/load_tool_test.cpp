// The commands a user types, as child processes: `tracepipe load --stack`
// against a running write path (report files with the stack's figures,
// thresholds on them), and `tracepipe demo` — README's main job — end to end
// on a stack of its own.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>

#include "child_process.hpp"
#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// Runs a shell command; its exit code (-1 when it did not exit normally).
int run(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path fresh_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("tracepipe-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

TEST(LoadTool, WithTheStackItReconcilesAndThresholdsSeeTheFigures) {
  auto s = sink_settings("load_tool_stack");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  // As serve: the workers' figures on ingest's /metrics, which load samples by default.
  ingest.runner().svc().extra_metrics = [&worker] { return worker.metrics().render(); };
  worker.start();
  auto out = fresh_dir("load-stack");
  auto cmd = std::string(TRACEPIPE_BINARY) + " load --quiet --target " + ingest.url() + " --stack " + stack_dir() +
             " --stream " + s.redis.stream + " --group " + s.worker.group +
             " --clickhouse-database " + s.clickhouse.database + " --rate 1000 --duration 3s --batch-size 20 --out " + out.string() +
             " --threshold 'lost==0' --threshold 'duplicates==0' --threshold 'visible_p99<1ms' > " +
             (out.string() + ".out") + " 2>&1";
  EXPECT_EQ(run(cmd), 3) << slurp(out.string() + ".out");  // a visibility under 1 ms cannot be met
  worker.stop();
  auto said = slurp(out.string() + ".out");
  EXPECT_NE(said.find("threshold failed: visible_p99<1ms"), std::string::npos) << said;
  EXPECT_EQ(said.find("threshold failed: lost"), std::string::npos) << said;
  EXPECT_NE(said.find("report: " + (out / "report.html").string()), std::string::npos) << said;

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load((out / "summary.json").string()).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["lost"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["duplicates"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["reconcile"]["expected"].get_uint64().value(), doc["runs"]["operations_accepted"].get_uint64().value());
  EXPECT_EQ(doc["reconcile"]["found"].get_uint64().value(), doc["reconcile"]["expected"].get_uint64().value());
  EXPECT_GT(doc["visible_ms"]["count"].get_uint64().value(), 0u);
  EXPECT_GT(doc["components"]["clickhouse_parts_max"].get_uint64().value(), 0u);
  auto html = slurp(out / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("needs --stack"), std::string::npos) << "every stack chart has data:\n" << slurp(out / "timeseries.csv");
  fs::remove_all(out);
  fs::remove(out.string() + ".out");
}

TEST(LoadTool, DemoRunsTheMainJobEndToEndOnItsOwnStack) {
  auto dir = fresh_dir("demo");
  auto log = dir.string() + ".out";
  auto cmd = std::string(TRACEPIPE_BINARY) + " demo --dir " + dir.string() + " --stages 2s:1000,3s:1000 > " + log +
             " 2>&1";
  ASSERT_EQ(run(cmd), 0) << slurp(log);
  auto said = slurp(log);
  EXPECT_NE(said.find("lost 0 duplicates 0"), std::string::npos) << said;
  EXPECT_NE(said.find("report: " + (dir / "report" / "report.html").string()), std::string::npos) << said;
  EXPECT_TRUE(fs::exists(dir / "report" / "report.html"));
  for (const auto& c : stack::status(dir.string())) EXPECT_FALSE(c.alive) << c.name << " left running";
  fs::remove_all(dir);
  fs::remove(log);
}

}  // namespace
}  // namespace tracepipe::test

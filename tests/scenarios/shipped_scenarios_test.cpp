// The shipped scenario library (lab/scenarios/) in its short form
// (--time-scale 0.25, each ≤ 60 s) through `tracepipe scenario run`, the
// command a user runs, against the real stack: every expectation of each
// file is judged and holds (scenario 6 needs async inserts, which 18.16
// lacks: it must say so and start nothing). Plus what must be refused
// before anything starts. Runs in the optimised build (its expectations
// compare rates), like the fault scenarios.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/child_process.hpp"
#include "tests/support/stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

fs::path scenario_file(const std::string& name) {
  return fs::path(TRACEPIPE_SOURCE_DIR) / "lab" / "scenarios" / (name + ".yaml");
}

fs::path fresh_out(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("tracepipe-scenario-test-" + name);
  fs::remove_all(dir);
  return dir;
}

captured_run tracepipe(std::vector<std::string> args, std::chrono::seconds timeout = std::chrono::seconds(240),
                       std::vector<std::string> env = {}) {
  args.insert(args.begin(), TRACEPIPE_BINARY);
  env.push_back("PATH=" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"));
  if (const char* tmp = std::getenv("TMPDIR")) env.push_back(std::string("TMPDIR=") + tmp);
  return run_captured(args, env, timeout);
}

/// Lines of the file that hold an expectation: under a phase's or the
/// scenario's `expect:` (each a "- " item).
std::size_t expectations_in(const fs::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  bool in_expect = false;
  for (std::string line; std::getline(in, line);) {
    auto text = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (text.starts_with("expect:")) in_expect = true;
    else if (in_expect && text.starts_with("- ") && !text.starts_with("- name:")) ++n;
    else if (!text.starts_with("#")) in_expect = false;
  }
  return n;
}

/// `tracepipe ARGS` run to a clean exit (0), and the scenario.json it wrote under `out`.
struct scenario_report {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string text;

  void run(std::vector<std::string> args, const fs::path& out) {
    auto r = tracepipe(std::move(args));
    ASSERT_FALSE(r.timed_out) << r.err;
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    text = slurp(out / "scenario.json");
    ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  }
};

class shipped_scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(shipped_scenario, short_form_holds_every_expectation) {
  auto name = GetParam();
  auto out = fresh_out(name);
  scenario_report report;
  ASSERT_NO_FATAL_FAILURE(report.run({"scenario", "run", scenario_file(name).string(), "--stack", stack_dir(),
                                      "--time-scale", "0.25", "--out", out.string()},
                                     out));
  const auto& doc = report.doc;
  const auto& text = report.text;
  EXPECT_EQ(doc["passed"].get_bool().value_unsafe(), true) << text;
  simdjson::dom::array verdicts;
  ASSERT_EQ(doc["expectations"].get(verdicts), simdjson::SUCCESS);
  std::size_t judged = 0;
  for (auto v : verdicts) {
    ++judged;
    EXPECT_TRUE(v["passed"].get_bool().value_unsafe()) << simdjson::to_string(v);
  }
  EXPECT_EQ(judged, expectations_in(scenario_file(name))) << "every expectation of the file is judged";
  simdjson::dom::array phases;
  ASSERT_EQ(doc["phases"].get(phases), simdjson::SUCCESS);
  for (auto p : phases) {
    simdjson::dom::array actions;
    ASSERT_EQ(p["actions"].get(actions), simdjson::SUCCESS);
    for (auto a : actions)
      EXPECT_EQ(std::string(a["status"].get_string().value_unsafe()), "applied") << simdjson::to_string(a);
  }
  // The load's report, with the phases marked for the charts.
  auto summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"phases\":[{\"name\""), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "report.html"));
  EXPECT_TRUE(fs::exists(out / "timeseries.csv"));
}

INSTANTIATE_TEST_SUITE_P(library, shipped_scenario,
                         ::testing::Values("clickhouse-saturated", "more-workers", "blob-vs-inline", "queue-expiry",
                                           "clickhouse-outage", "merge-backlog", "read-storm"));

TEST(shipped_scenarios, async_insert_wait_says_it_cannot_run_on_18_16_and_starts_nothing) {
  auto out = fresh_out("async-insert-wait");
  auto r = tracepipe({"scenario", "run", scenario_file("async-insert-wait").string(), "--stack", stack_dir(),
                      "--time-scale", "0.25", "--out", out.string()});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("scenario async-insert-wait cannot run here: it needs async inserts (ClickHouse 21.11 or "
                       "later), and the server at"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("is 18.16"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out)) << "nothing written";
}

TEST(scenario_refusals, a_bad_file_names_line_and_key_and_starts_nothing) {
  auto dir = fresh_out("bad-file");
  fs::create_directories(dir);
  auto file = dir / "bad.yaml";
  std::ofstream(file) << "name: bad\nphases:\n  - name: one\n    duration: 10s\n    rate: 100\n    actions:\n"
                         "      - workers: {batch_age: soon}\n";
  auto out = dir / "out";
  auto r = tracepipe({"scenario", "run", file.string(), "--stack", stack_dir(), "--out", out.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(file.string() + ":7: worker.batch_age: 'soon': expected a positive duration"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  auto check = tracepipe({"scenario", "check", file.string()});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.err, r.err);
}

TEST(scenario_refusals, stack_actions_against_servers_that_are_not_the_stack_are_refused) {
  // --stack names the stack, but the environment points ClickHouse at
  // another address of it: tracepipe cannot tell it is the same process, so
  // it must not act, and says which endpoint differs.
  auto dir = fresh_out("remote");
  auto ch = std::regex_replace(stack_env().at("CLICKHOUSE_URL"), std::regex("127\\.0\\.0\\.1"), "localhost");
  auto out = dir / "out";
  auto r = tracepipe({"scenario", "run", scenario_file("clickhouse-outage").string(), "--stack", stack_dir(), "--out",
                      out.string()},
                     std::chrono::seconds(60), {"TRACEPIPE_CLICKHOUSE_URL=" + ch});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("phase outage: 'kill clickhouse' acts on a process of the local stack"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("clickhouse.url is " + ch + ", and the stack's in " + stack_dir() + " is " +
                       stack_env().at("CLICKHOUSE_URL")),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--skip-stack-actions"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  // The user's own servers (--config, no stack): refused too.
  fs::create_directories(dir);
  const auto& env = stack_env();
  auto config = dir / "servers.yaml";
  std::ofstream(config) << "redis: {url: '" << env.at("REDIS_URL") << "'}\nclickhouse: {url: '" << ch
                        << "'}\ns3: {endpoint: '" << env.at("S3_ENDPOINT") << "', access_key: S3RVER, secret_key: "
                        << "S3RVER}\n";
  auto own = tracepipe({"scenario", "run", scenario_file("clickhouse-outage").string(), "--config", config.string(),
                        "--out", out.string()});
  EXPECT_EQ(own.exit_code, 2) << own.out << own.err;
  EXPECT_NE(own.err.find("(no local stack was named (--stack DIR))"), std::string::npos) << own.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(scenario_actions, what_a_scenario_leaves_down_comes_back_for_the_drain_and_is_reported) {
  // Ends with S3 paused and the workers stopped, under a load with payloads
  // large enough for S3: the drain needs both back, and every acknowledged
  // run must still be found, none late (> 10 s): the stopped workers gave
  // their batches up within their deadline and the restarted ones took
  // them over at once, not after worker.reclaim_idle.
  auto dir = fresh_out("restored");
  fs::create_directories(dir);
  auto file = dir / "leaves-down.yaml";
  std::ofstream(file) << "name: leaves-down\nload: {inputs_size: 30KB, batch_size: 10}\nphases:\n"
                         "  - {name: warm, duration: 2s, rate: 100}\n"
                         "  - name: down\n    duration: 2s\n    rate: 100\n    actions:\n"
                         "      - pause: s3\n      - workers: {pipelines: 0}\n"
                         "expect:\n  - lost == 0\n  - late == 0\n";
  auto out = dir / "out";
  scenario_report report;
  ASSERT_NO_FATAL_FAILURE(report.run({"scenario", "run", file.string(), "--stack", stack_dir(), "--out", out.string()}, out));
  const auto& doc = report.doc;
  const auto& text = report.text;
  simdjson::dom::array restored;
  ASSERT_EQ(doc["restored"].get(restored), simdjson::SUCCESS) << text;
  std::vector<std::string> brought_back;
  for (auto a : restored) {
    brought_back.emplace_back(a["action"].get_string().value_unsafe());
    EXPECT_EQ(std::string(a["status"].get_string().value_unsafe()), "applied") << simdjson::to_string(a);
  }
  EXPECT_EQ(brought_back, (std::vector<std::string>{"resume s3", "workers worker.pipelines=2"})) << text;
  auto summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"lost\":0"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("\"accepted\":0,"), std::string::npos) << "the load was accepted";
}

}  // namespace
}  // namespace tracepipe::test

// Scenario files (lab/scenario.hpp): what a good file becomes, and a
// bad one refused before anything starts, naming its line and key. The
// shipped library (lab/scenarios/) must read cleanly too.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lab/scenario.hpp"

namespace tracepipe::lab {

using namespace tracepipe::loadgen;
using namespace tracepipe::report;

namespace {

using namespace std::chrono_literals;

constexpr const char* good = R"(name: lab
description: a test
load:
  endpoint: multipart
  batch_size: 20
  inputs_size: 1KB-2KB
  seed: 3
settings:
  worker.batch_rows: 500
  ingest.queue_high_watermark: 1000
redis_expiry: 40s
phases:
  - name: steady
    duration: 20s
    rate: 100
  - name: ramp
    stages: [10s:500, 10s:0]
    actions:
      - workers: {pipelines: 0, clickhouse.timeout: 5s}
      - pause: clickhouse
    expect:
      - max(queue_depth) > 2 * max(queue_depth)@steady
expect:
  - lost == 0
  - would_expire >= 0
)";

TEST(scenario_file, a_good_file_reads_into_phases_actions_and_expectations) {
  auto s = parse_scenario(good, "lab.yaml");
  EXPECT_EQ(s.name, "lab");
  EXPECT_EQ(s.body.endpoint, wire::multipart);
  EXPECT_EQ(s.body.runs_per_request, 20);
  EXPECT_EQ(s.body.seed, 3u);
  ASSERT_EQ(s.settings.size(), 2u);
  EXPECT_EQ(s.settings[0], (setting{"worker.batch_rows", "500"}));
  EXPECT_EQ(s.redis_expiry, 40s);
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.phases[0].duration(), 20s);
  EXPECT_EQ(s.phases[1].duration(), 20s);
  ASSERT_EQ(s.phases[1].actions.size(), 2u);
  const auto& w = s.phases[1].actions[0];
  EXPECT_EQ(w.what, scenario_action::kind::workers);
  EXPECT_EQ(w.describe(), "workers worker.pipelines=0 clickhouse.timeout=5s");  // bare names are worker.*
  EXPECT_EQ(w.line, 19);
  EXPECT_EQ(s.phases[1].actions[1].describe(), "pause clickhouse");
  EXPECT_TRUE(s.needs_local_stack());
  EXPECT_EQ(s.phases[1].expect[0].line, 22);
  EXPECT_EQ(s.expect.size(), 2u);
  auto windows = s.windows();
  EXPECT_EQ(windows["ramp"].start_s, 20);
  EXPECT_EQ(windows["ramp"].end_s, 40);
  EXPECT_EQ(windows["drain"].start_s, 40);
  EXPECT_EQ(s.stages().size(), 4u);  // steady's step + hold, then the ramp's two
}

TEST(scenario_file, time_scale_shortens_every_duration_to_whole_seconds) {
  auto s = parse_scenario(good, "lab.yaml", 0.25);
  EXPECT_EQ(s.phases[0].duration(), 5s);
  EXPECT_EQ(s.phases[1].duration(), 6s);  // 2.5 s rounds up to 3 s, twice
  EXPECT_EQ(s.redis_expiry, 10s);
  auto tiny = parse_scenario(good, "lab.yaml", 0.001);
  EXPECT_EQ(tiny.phases[0].duration(), 1s);  // never below 1 s
}

std::string refusal(const std::string& yaml) {
  try {
    parse_scenario(yaml, "bad.yaml");
  } catch (const scenario_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << yaml;
  return {};
}

std::string with_phase(const std::string& phase_lines) {
  return "name: bad\nphases:\n  - name: one\n" + phase_lines;
}

/// A file and what its refusal must say.
struct refused_file {
  std::string yaml, says;
};

void expect_refused(const std::vector<refused_file>& cases) {
  for (const auto& c : cases) {
    auto said = refusal(c.yaml);
    EXPECT_NE(said.find(c.says), std::string::npos) << "said: " << said << "\nwanted: " << c.says;
  }
}

TEST(scenario_file, a_bad_file_is_refused_naming_line_and_key) {
  const std::vector<refused_file> cases = {
      {"name: x\nphases: [\n", "bad.yaml:3: not valid YAML"},
      {"- a\n", "bad.yaml:1: expected a map"},
      {"name: x\nphase:\n  - name: a\n", "bad.yaml:2: phase: unknown key in a scenario"},
      {"phases:\n  - {name: a, duration: 1s}\n", "bad.yaml:1: name: a scenario needs a name"},
      {"name: x\n", "phases: a scenario needs a list of at least one phase"},
      {with_phase("    duration: 10s\n    rat: 5\n"), "bad.yaml:5: rat: unknown key in a phase"},
      {with_phase("    rate: 5\n"), "bad.yaml:3: duration: phase 'one' needs a duration"},
      {with_phase("    duration: ten\n"), "bad.yaml:4: duration: expected a duration"},
      {with_phase("    duration: 10s\n    rate: -1\n"), "bad.yaml:5: rate: expected a number from 0"},
      {with_phase("    duration: 10s\n    rate: 5\n    stages: [1s:5]\n"), "stages: give either stages or"},
      {with_phase("    stages: [10x:5]\n"), "bad.yaml:4: stages:"},
      {with_phase("    duration: 1s\n    actions:\n      - workers: {batch_rows: lots}\n"),
       "bad.yaml:6: worker.batch_rows: 'lots': expected a whole number"},
      {with_phase("    duration: 1s\n    actions:\n      - workers: {bach_rows: 5}\n"),
       "bad.yaml:6: worker.bach_rows: not a configuration key"},
      {with_phase("    duration: 1s\n    actions:\n      - workers: {ingest.body_limit: 1MiB}\n"),
       "workers take worker.*, clickhouse.* and s3.* keys"},
      {with_phase("    duration: 1s\n    actions:\n      - workers: {clickhouse.url: 'http://elsewhere:8123'}\n"),
       "clickhouse.url: a scenario may not set it"},
      {with_phase("    duration: 1s\n    actions:\n      - pause: postgres\n"),
       "bad.yaml:6: pause: 'postgres' is not a component"},
      {with_phase("    duration: 1s\n    actions:\n      - reboot: redis\n"), "bad.yaml:6: reboot: unknown action"},
      {with_phase("    duration: 1s\n    actions:\n      - {pause: redis, resume: redis}\n"),
       "bad.yaml:6: actions: each action is one key"},
      {with_phase("    duration: 1s\n    expect:\n      - max(queue_depth) >> 1\n"), "bad.yaml:6: expect: expectation"},
      {with_phase("    duration: 1s\n    expect:\n      - max(queue_depth) > max(queue_depth)@two\n"),
       "bad.yaml:6: expect: 'max(queue_depth) > max(queue_depth)@two': @two names no phase"},
      {with_phase("    duration: 1s\n    expect:\n      - losst == 0\n"), "unknown figure 'losst'"},
      {with_phase("    duration: 1s\nexpect:\n  - would_expire == 0\n"), "would_expire needs redis_expiry set"},
      {with_phase("    duration: 1s\n  - name: one\n    duration: 1s\n"), "bad.yaml:5: name: a second phase named 'one'"},
      {with_phase("    duration: 1s\n  - name: Drain\n    duration: 1s\n"), "bad.yaml:5: name: lower-case letters"},
      {with_phase("    duration: 1s\n  - name: drain\n    duration: 1s\n"), "bad.yaml:5: name: lower-case letters"},
      {with_phase("    duration: 1s\n  - name: all\n    duration: 1s\n"), "(not 'drain' or 'all', which are taken)"},
      {"name: x\n{a: 1}: 2\nphases:\n  - {name: a, duration: 1s}\n", "bad.yaml:2: expected a plain key or value"},
      {"name: x\nsettings:\n  redis.url: redis://10.0.0.1:6379\nphases:\n  - {name: a, duration: 1s}\n",
       "bad.yaml:3: redis.url: a scenario may not set it"},
      {"name: x\nload:\n  endpoint: grpc\nphases:\n  - {name: a, duration: 1s}\n",
       "bad.yaml:3: endpoint: expected batch, multipart or single"},
      {"name: x\nload:\n  inputs_size: huge\nphases:\n  - {name: a, duration: 1s}\n", "bad.yaml:3: inputs_size:"},
      {"name: x\nrequires: [gpu]\nphases:\n  - {name: a, duration: 1s}\n", "bad.yaml:2: requires: unknown requirement 'gpu'"},
  };
  expect_refused(cases);
}

/// A first phase of 1 s, then a second phase `two` with these actions.
std::string then_actions(const std::string& action_lines) {
  return with_phase("    duration: 1s\n  - name: two\n    duration: 1s\n    actions:\n" + action_lines);
}

TEST(scenario_file, replicas_are_components_only_of_a_replicated_scenario) {
  const std::string replicated = "name: x\nclickhouse_replicas: 3\nphases:\n  - {name: a, duration: 1s}\n"
                                 "  - name: b\n    duration: 1s\n    actions:\n";
  auto sc = parse_scenario(replicated + "      - pause: clickhouse:3\n      - stop: zookeeper\n", "ok.yaml");
  EXPECT_EQ(sc.clickhouse_replicas, 3);
  ASSERT_EQ(sc.phases.at(1).actions.size(), 2u);
  EXPECT_EQ(sc.phases[1].actions[0].component, "clickhouse:3");
  EXPECT_TRUE(sc.needs_local_stack());
  expect_refused({
      {then_actions("      - pause: clickhouse:2\n"),
       "pause: 'clickhouse:2' is not a component of the stack (redis, s3, clickhouse; replicas need "
       "clickhouse_replicas: N)"},
      {replicated + "      - pause: clickhouse\n",
       "pause: 'clickhouse' is not a component of the stack (redis, s3, zookeeper, clickhouse:1, clickhouse:2, "
       "clickhouse:3)"},
      {replicated + "      - pause: clickhouse:4\n", "'clickhouse:4' is not a component"},
      {"name: x\nclickhouse_replicas: 9\nphases:\n  - {name: a, duration: 1s}\n", "bad.yaml:2: clickhouse_replicas:"},
      {"name: x\nclickhouse_replicas: 2.5\nphases:\n  - {name: a, duration: 1s}\n",
       "bad.yaml:2: clickhouse_replicas: expected a whole number"},
  });
}

TEST(scenario_file, actions_that_could_not_play_in_that_order_are_refused) {
  const std::vector<refused_file> cases = {
      {with_phase("    duration: 1s\n    actions:\n      - pause: redis\n"),
       "bad.yaml:6: pause: 'pause redis' in the first phase: its actions run before the load"},
      {then_actions("      - resume: clickhouse\n"), "bad.yaml:8: resume: clickhouse is running at this point"},
      {then_actions("      - start: s3\n"), "bad.yaml:8: start: s3 is running at this point (nothing to start)"},
      {then_actions("      - pause: clickhouse\n      - start: clickhouse\n"),
       "bad.yaml:9: start: clickhouse is paused at this point (resume brings it back)"},
      {then_actions("      - pause: redis\n      - pause: redis\n"), "bad.yaml:9: pause: redis is paused"},
      {then_actions("      - pause: redis\n      - stop: redis\n"), "resume it first, or kill it"},
      {then_actions("      - stop: s3\n      - kill: s3\n"), "bad.yaml:9: kill: s3 is stopped"},
      {then_actions("      - kill: clickhouse\n      - workers: {pipelines: 4}\n"),
       "bad.yaml:9: workers: the workers cannot restart while clickhouse is stopped"},
      {then_actions("      - pause: redis\n      - workers: {pipelines: 4}\n"),
       "the workers cannot restart while redis is paused"},
  };
  expect_refused(cases);
  // What may: the first phase sets up the workers; S3 down does not block a restart.
  EXPECT_NO_THROW(parse_scenario(
      with_phase("    duration: 1s\n    actions:\n      - workers: {pipelines: 4}\n  - name: two\n    duration: "
                 "1s\n    actions:\n      - stop: s3\n      - workers: {blob_mode: never}\n      - start: s3\n"
                 "      - pause: clickhouse\n      - kill: clickhouse\n      - start: clickhouse\n"),
      "good.yaml"));
}

TEST(scenario_file, throttles_read_as_the_stack_command_takes_them_and_land_on_running_clickhouse) {
  auto sc = parse_scenario(with_phase("    duration: 1s\n    actions:\n      - throttle: clickhouse merges 1\n"
                                      "  - name: two\n    duration: 1s\n    actions:\n"
                                      "      - throttle: clickhouse cpu 0.25\n      - throttle: clickhouse cpu off\n"),
                           "good.yaml");
  ASSERT_EQ(sc.phases.at(1).actions.size(), 2u);
  const auto& a = sc.phases[1].actions[0];
  EXPECT_EQ(a.what, scenario_action::kind::throttle);
  EXPECT_EQ(a.component, "clickhouse");
  EXPECT_EQ(a.describe(), "throttle clickhouse cpu 0.25");
  EXPECT_EQ(sc.phases[1].actions[1].describe(), "throttle clickhouse cpu off");
  EXPECT_EQ(sc.phases[0].actions.at(0).describe(), "throttle clickhouse merges 1");
  EXPECT_TRUE(sc.needs_local_stack());
  // "clickhouse" means every replica of a replicated scenario.
  EXPECT_NO_THROW(parse_scenario("name: x\nclickhouse_replicas: 2\nphases:\n  - name: a\n    duration: 1s\n"
                                 "    actions:\n      - throttle: clickhouse cpu 0.5\n      - throttle: clickhouse:2 "
                                 "merges 2\n",
                                 "good.yaml"));
  expect_refused({
      {then_actions("      - throttle: redis cpu 0.5\n"), "bad.yaml:8: throttle: 'redis' takes no limits"},
      {then_actions("      - throttle: clickhouse cpu lots\n"), "bad.yaml:8: throttle: cpu takes a number of cores"},
      {then_actions("      - throttle: clickhouse memory 1GB\n"), "unknown resource \"memory\""},
      {then_actions("      - throttle: clickhouse cpu\n"), "expected COMPONENT RESOURCE VALUE"},
      {then_actions("      - pause: clickhouse\n      - throttle: clickhouse cpu 0.5\n"),
       "bad.yaml:9: throttle: clickhouse is paused at this point: a limit needs it running"},
  });
}

TEST(scenario_file, the_shipped_library_reads_in_full_and_short_form) {
  auto dir = std::filesystem::path(TRACEPIPE_SOURCE_DIR) / "lab" / "scenarios";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    for (double scale : {1.0, 0.25}) {
      auto s = load_scenario_file(entry.path().string(), scale);
      EXPECT_EQ(s.name, entry.path().stem().string()) << "the file is named after its scenario";
      EXPECT_FALSE(s.description.empty()) << s.name;
      EXPECT_FALSE(s.expect.empty()) << s.name << ": every scenario states its whole-run expectations";
    }
  }
  EXPECT_EQ(files, 9);
}

}  // namespace
}  // namespace tracepipe::lab

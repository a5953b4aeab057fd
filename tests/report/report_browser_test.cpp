// `tracepipe report DIR` end to end, and its page in a real browser: headless
// Chromium (Debian `chromium`, installed by tools/setup.sh) must render it to
// a PNG, and the page's own check must find every chart with data drawn.
// A missing chromium fails: this test is the report's only proof of layout.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "loadgen/component_figures.hpp"

namespace {

namespace fs = std::filesystem;

struct outcome {
  int exit_code = -1;
  std::string out;  ///< stdout; stderr goes to the test's log file
};

/// Runs a shell command line, capturing stdout.
outcome run(const std::string& command) {
  outcome o;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return o;
  std::array<char, 4096> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) o.out.append(buf.data(), n);
  int status = ::pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// A two-minute run in three phases; with_stack adds the columns and keys
/// only `tracepipe load --stack` measures.
void write_fixture(const fs::path& dir, bool with_stack) {
  fs::create_directories(dir);
  std::string csv = "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms";
  if (with_stack) {
    csv += ",accepted_runs,inserted_runs,lag_p50_ms,lag_p99_ms,visible_p99_ms,queue_depth,clickhouse_parts";
    for (const auto& c : tracepipe::loadgen::component_columns) csv += fmt::format(",{}", c.name);
  }
  csv += "\n";
  for (int s = 1; s <= 120; ++s) {
    int offered = s <= 20 ? 100 * s : s <= 90 ? 2000 : 3000;  // ramp, hold, overload
    int rejected = s > 90 ? (s - 90) * 3 : 0;
    csv += fmt::format("{},{},{},{},{},{},{},0,{},{:.2f}", s, offered, offered, offered / 10, offered / 10 - rejected,
                       rejected, int(s == 100), int(s == 110), 8 + 4 * std::sin(s / 7.0) + (s > 90 ? 30 : 0));
    if (with_stack)
      csv += fmt::format(",{},{},{},{},{},{},{}", offered - rejected * 10, s < 3 ? "" : fmt::format("{}", offered),
                         120 + s, 400 + 3 * s, 450 + 3 * s, s > 90 ? 500 * (s - 90) : 20, 10 + s % 7);
    // The component columns: each its own shape, so every line is drawn.
    for (std::size_t k = 0; with_stack && k < std::size(tracepipe::loadgen::component_columns); ++k)
      csv += fmt::format(",{:.2f}", (k + 1) * (10 + 5 * std::sin((s + 3.0 * k) / 9.0)));
    csv += "\n";
  }
  std::ofstream(dir / "timeseries.csv") << csv;
  std::ofstream(dir / "summary.json") << fmt::format(
      R"({{"target":"http://127.0.0.1:1984/runs/batch","duration_s":120,"elapsed_s":120.4,"runs_per_request":10,)"
      R"("target_rate":2125,"achieved_rate":2120.5,"offered":25500,"sent":25510,"retries":10,"accepted":24900,)"
      R"("rejected":{{"429":600}},"errors":10,"dropped":0,)"
      R"("runs":{{"offered":255000,"sent":255000,"accepted":249000,"operations_accepted":497990}},)"
      R"("http_latency_ms":{{"corrected":{{"p50":8,"p90":20,"p99":41.5,"p999":60,"max":75,"mean":11,"count":25510}},)"
      R"("uncorrected":{{"p50":7,"p90":15,"p99":30,"p999":44,"max":70,"mean":9,"count":25510}}}},)"
      R"("thresholds":[{{"threshold":"http_p99<50ms","actual":41.5,"passed":true}},)"
      R"({{"threshold":"errors==0","actual":10,"passed":false}}],)"
      R"("phases":[{{"name":"ramp","start_s":0,"end_s":20}},{{"name":"hold","start_s":20,"end_s":90}},)"
      R"({{"name":"overload","start_s":90,"end_s":120}}]{}}})",
      with_stack ? R"(,"lag_ms":{"p50":180,"p90":500,"p99":760,"max":900,"count":249000},"lost":0,"duplicates":0,)"
                   R"("late":0,"components":{"queue_depth_max":15000,"clickhouse_parts_max":16})"
                 : "");
}

class report_browser : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / fmt::format("tracepipe-report-browser-{}", ::getpid());
  fs::path log_ = dir_ / "chromium.log";

  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_EQ(run("command -v chromium >/dev/null").exit_code, 0)
        << "chromium is not installed: run tools/setup.sh (Debian package `chromium`)";
  }
  void TearDown() override {
    if (HasFailure() && fs::exists(log_)) std::cerr << "chromium's log:\n" << read_all(log_) << "\n";
    fs::remove_all(dir_);
  }

  outcome chromium(const std::string& args, const fs::path& page) {
    // Its own profile, so a person's running Chromium is never joined; the
    // timeout turns a hang into a failure with a log.
    return run(fmt::format("timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir={} {} "
                           "file://{} 2>>{}",
                           quoted(dir_ / "profile"), args, page.string(), quoted(log_)));
  }

  /// `tracepipe report` on a fixture, then the browser on its page.
  void check_rendered(bool with_stack, int charts_with_data) {
    auto run_dir = dir_ / (with_stack ? "stack-run" : "plain-run");
    write_fixture(run_dir, with_stack);
    auto report = run(fmt::format("'{}' report {}", TRACEPIPE_BINARY, quoted(run_dir)));
    ASSERT_EQ(report.exit_code, 0);
    auto page = run_dir / "report.html";
    EXPECT_EQ(report.out, page.string() + "\n");

    auto png = run_dir / "report.png";
    ASSERT_EQ(chromium(fmt::format("--screenshot={} --window-size=1200,2400", quoted(png)), page).exit_code, 0);
    auto image = read_all(png);
    EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(image.size(), 100'000u) << "a blank 1200×2400 page is ~10 KB; charts and tables make far more";

    auto dom = chromium("--dump-dom", page);
    ASSERT_EQ(dom.exit_code, 0);
    std::smatch drawn, expected;
    ASSERT_TRUE(std::regex_search(dom.out, drawn, std::regex(R"re(data-charts-drawn="(\d+)")re")))
        << "the page's check did not run";
    ASSERT_TRUE(std::regex_search(dom.out, expected, std::regex(R"re(data-charts-with-data="(\d+)")re")));
    EXPECT_EQ(std::stoi(expected[1]), charts_with_data);
    EXPECT_EQ(std::stoi(drawn[1]), charts_with_data) << "charts with data whose lines have no width in the browser";
  }
};

TEST_F(report_browser, every_chart_of_a_run_with_the_stack_is_drawn) { check_rendered(true, 26); }

TEST_F(report_browser, a_run_without_the_stack_draws_its_own_charts_and_notes_the_rest) {
  check_rendered(false, 3);
  auto page = read_all(dir_ / "plain-run" / "report.html");
  EXPECT_NE(page.find("not measured in this run (needs --stack)"), std::string::npos);
}

TEST_F(report_browser, the_command_reports_usage_and_unreadable_files) {
  EXPECT_EQ(run(fmt::format("'{}' report 2>/dev/null", TRACEPIPE_BINARY)).exit_code, 2);
  auto empty = dir_ / "empty";
  fs::create_directories(empty);
  auto failed = run(fmt::format("'{}' report {} 2>&1", TRACEPIPE_BINARY, quoted(empty)));
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(failed.out, fmt::format("tracepipe report: {}: cannot be read (missing?)\n", (empty / "summary.json").string()));

  write_fixture(empty, false);
  auto elsewhere = dir_ / "elsewhere.html";
  auto written = run(fmt::format("'{}' report {} --out {}", TRACEPIPE_BINARY, quoted(empty), quoted(elsewhere)));
  EXPECT_EQ(written.exit_code, 0);
  EXPECT_EQ(written.out, elsewhere.string() + "\n");
  EXPECT_TRUE(fs::exists(elsewhere));
  EXPECT_FALSE(fs::exists(empty / "report.html"));
}

}  // namespace

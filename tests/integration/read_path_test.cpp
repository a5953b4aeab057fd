// The read path through the whole of what a user runs: `tracepipe serve`
// (ingest → Redis → workers → ClickHouse, and the read API) on the test
// stack.
// - The official LangSmith JS SDK reads back what it wrote
//   (tests/integration/js_sdk/read_runs.mjs: a root with three children,
//   readRun(id) for each until its patch shows, listRuns({projectName,
//   traceId}) with and without a limit): exactly the runs written, as written.
// - A read storm against a cap of one read at a time gets 429s, and writes go on.
// - `tracepipe load --read-rate --probe api`: a read load beside the
//   writes, every read accounted for; visibility through GET /runs/{id}.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "loadgen/http_client.hpp"
#include "tests/support/stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

const fs::path script_path = fs::path(TRACEPIPE_SOURCE_DIR) / "tests/integration/js_sdk/read_runs.mjs";
const fs::path sdk_package = fs::path(TRACEPIPE_SOURCE_DIR) / ".deps/node_modules/langsmith/package.json";

std::string minified(simdjson::dom::element e) { return simdjson::minify(e); }

/// `tracepipe serve` on the test stack with its own stream and table, and
/// `flags`; its URL once it listens.
struct served {
  fs::path log;
  std::unique_ptr<child_process> process;
  std::string url;

  served(const std::string& name, std::vector<std::string> flags) {
    auto dir = fs::temp_directory_path() / ("tracepipe-" + name + "-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    log = dir / "serve.log";
    std::vector<std::string> argv{TRACEPIPE_BINARY, "serve", "--stack", stack_dir(), "--listen", "127.0.0.1:0",
                                  "--stream", name + ":runs", "--clickhouse-table", name + "_runs"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process = std::make_unique<child_process>(argv, log.string());
    std::string said;
    auto listening = wait_for_in_log(log, std::regex("listening on (http://127\\.0\\.0\\.1:[0-9]+)"), said,
                                     std::chrono::seconds(30));
    if (!listening) throw std::runtime_error("serve did not start: " + said);
    url = *listening;
  }
  ~served() { process->terminate(); }
};

/// With the project index (clickhouse.project_index) and without: the same answers.
class JsSdkRead : public ::testing::TestWithParam<bool> {};

TEST_P(JsSdkRead, ReadRunAndListRunsReturnExactlyTheRunsWritten) {
  auto node = find_on_path("node");
  if (!node) GTEST_SKIP() << "node is not on PATH: the LangSmith JS SDK test needs Node.js (run tools/setup.sh)";
  if (!fs::exists(sdk_package))
    GTEST_SKIP() << "the LangSmith JS SDK is not installed at " << sdk_package.parent_path() << " (run tools/setup.sh)";

  // Pages of 3 runs, so that listing the trace's 4 takes the SDK's cursor.
  bool indexed = GetParam();
  served serve(indexed ? "js_read_indexed" : "js_read",
               {"--read-max-limit", "3", "--batch-age", "200ms", "--project-index", indexed ? "true" : "false"});
  std::vector<std::string> env{"LANGSMITH_ENDPOINT=" + serve.url, "PATH=" + std::string(std::getenv("PATH"))};
  auto sdk = run_captured({*node, script_path.string()}, env, std::chrono::seconds(90));
  ASSERT_EQ(sdk.exit_code, 0) << sdk.err << "\n--- serve ---\n" << slurp(serve.log);

  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(sdk.out).get(doc), simdjson::SUCCESS) << sdk.out;
  std::string_view project, trace_id;
  ASSERT_EQ(doc["project"].get(project), simdjson::SUCCESS);
  ASSERT_EQ(doc["trace_id"].get(trace_id), simdjson::SUCCESS);
  simdjson::dom::object written, read;
  ASSERT_EQ(doc["written"].get(written), simdjson::SUCCESS);
  ASSERT_EQ(doc["read"].get(read), simdjson::SUCCESS);

  std::set<std::string> written_ids;
  for (auto [id, w] : written) {
    written_ids.insert(std::string(id));
    SCOPED_TRACE(std::string(id));
    simdjson::dom::element r;
    ASSERT_EQ(read[id].get(r), simdjson::SUCCESS) << "readRun never returned it";
    EXPECT_EQ(minified(r["name"]), minified(w["name"]));
    EXPECT_EQ(minified(r["inputs"]), minified(w["inputs"]));
    EXPECT_EQ(minified(r["outputs"]), minified(w["outputs"])) << "the patch is applied";
    EXPECT_EQ(std::string_view(r["id"]), id);
    EXPECT_EQ(std::string_view(r["trace_id"]), trace_id);
    EXPECT_EQ(std::string_view(r["session_name"]), project);
    EXPECT_EQ(std::string_view(r["status"]), "success");
    bool is_root = id == trace_id;
    EXPECT_EQ(r["parent_run_id"].is_null(), is_root);
    if (!is_root) {
      EXPECT_EQ(std::string_view(r["parent_run_id"]), trace_id);
    }
  }
  EXPECT_EQ(written_ids.size(), 4u);

  auto ids_of = [&](const char* key) {
    std::vector<std::string> ids;
    for (auto id : doc[key].get_array()) ids.emplace_back(std::string_view(id));
    return ids;
  };
  auto all = ids_of("listed_all");
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()), written_ids) << "listRuns over the whole trace";
  EXPECT_EQ(all.size(), written_ids.size()) << "no run listed twice across pages";
  EXPECT_EQ(std::int64_t(doc["pages"]), 2) << "4 runs at 3 a page: the SDK followed one cursor";
  auto limited = ids_of("listed");
  ASSERT_EQ(limited.size(), 2u) << "listRuns({limit: 2})";
  EXPECT_EQ(limited[0], all[0]);
  EXPECT_EQ(limited[1], all[1]);
  // Newest first, as LangSmith lists: the root started before its children.
  EXPECT_EQ(all.back(), std::string(trace_id));
}

INSTANTIATE_TEST_SUITE_P(ProjectIndex, JsSdkRead, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "indexed" : "runs_table"; });

TEST(ReadApi, AReadStormGets429BeyondTheCapAndWritesGoOn) {
  served serve("read_storm", {"--read-concurrency", "1"});
  constexpr int clients = 12, each = 15;
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::string first_refusal;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      loadgen::http_client http(serve.url, std::chrono::seconds(10));
      for (int i = 0; i < each; ++i) {
        auto a = http.request("POST", "/runs/query", R"({"limit": 100})", {{"content-type", "application/json"}});
        if (a.status == 200) {
          ++ok;
        } else if (a.status == 429 && a.headers.count("retry-after") &&
                   a.body.find("\"too_many_reads\"") != std::string::npos) {
          ++refused;
        } else {
          ++other;
          std::lock_guard lock(mutex);
          first_refusal = std::to_string(a.status) + " " + a.body;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok + refused + other, clients * each);
  EXPECT_EQ(other, 0) << first_refusal;
  EXPECT_GT(refused, 0) << "12 clients against a cap of 1: some must be told to come back";
  EXPECT_GT(ok, 0);
  // Writes do not wait behind reads.
  loadgen::http_client http(serve.url, std::chrono::seconds(10));
  auto id = std::string("0b5e1d1e-0000-4000-8000-000000000001");
  auto posted = http.request("POST", "/runs",
                             R"({"id":")" + id + R"(","trace_id":")" + id + R"(","name":"after","run_type":"chain",)"
                                 R"("start_time":"2026-12-07T09:00:00Z","dotted_order":"20261207T090000000000Z)" + id +
                                 R"("})",
                             {{"content-type", "application/json"}});
  EXPECT_EQ(posted.status, 202u) << posted.body;
  // A bad query is refused naming its field, and changes nothing.
  auto bad = http.request("POST", "/runs/query", R"({"limit": 0})", {{"content-type", "application/json"}});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("limit: must be a whole number from 1 to 100"), std::string::npos) << bad.body;
}

TEST(ReadLoad, ReadsBesideTheWritesAreEachAccountedFor) {
  served serve("read_load", {"--batch-age", "200ms"});
  auto out = fs::temp_directory_path() / ("tracepipe-read-load-" + std::to_string(::getpid()));
  fs::remove_all(out);
  std::vector<std::string> env{"PATH=" + std::string(std::getenv("PATH"))};
  auto load = run_captured({TRACEPIPE_BINARY, "load", "--target", serve.url, "--rate", "300", "--duration", "6s",
                            "--read-rate", "40", "--read-mix", "get:50,trace:30,project:20", "--probe", "api",
                            "--out", out.string(), "--threshold", "read_errors==0", "--quiet"},
                           env, std::chrono::seconds(60));
  ASSERT_EQ(load.exit_code, 0) << load.out << load.err;
  simdjson::dom::parser p;
  simdjson::dom::element reads;
  auto summary = slurp(out / "summary.json");
  ASSERT_EQ(p.parse(summary)["reads"].get(reads), simdjson::SUCCESS) << summary;
  auto n = [&](const char* key) { return std::uint64_t(reads[key]); };
  EXPECT_EQ(n("offered"), 240u) << "40 reads/s for 6 s";
  std::uint64_t rejected = 0;
  for (auto [status, count] : reads["rejected"].get_object()) rejected += std::uint64_t(count);
  EXPECT_EQ(n("offered"), n("sent") + n("dropped"));
  EXPECT_EQ(n("sent"), n("ok") + n("not_found") + rejected + n("errors")) << simdjson::to_string(reads);
  EXPECT_GT(n("ok"), 0u);
  EXPECT_EQ(n("errors"), 0u);
  std::uint64_t kinds = 0;
  for (const char* kind : {"get", "trace", "project"}) {
    std::uint64_t k = 0;
    EXPECT_EQ(reads["by_kind"][kind].get(k), simdjson::SUCCESS) << kind << " reads were made";
    kinds += k;
  }
  EXPECT_EQ(kinds, n("sent"));
  EXPECT_GT(std::uint64_t(reads["latency_ms"]["corrected"]["count"]), 0u);
  auto csv = slurp(out / "timeseries.csv");
  EXPECT_NE(csv.find("read_sent_per_s,read_ok_per_s,read_429_per_s,read_failed_per_s,read_p99_ms"), std::string::npos);
  EXPECT_NE(slurp(out / "report.html").find("Read latency"), std::string::npos);

  // --probe api without the stack: visibility as GET /runs/{id} shows it.
  simdjson::dom::element probes;
  ASSERT_EQ(p.parse(summary)["api_probes"].get(probes), simdjson::SUCCESS) << summary;
  auto sent = std::uint64_t(probes["sent"]), not_visible = std::uint64_t(probes["not_visible"]);
  auto visible = std::uint64_t(p.parse(summary)["visible_api_ms"]["count"]);
  EXPECT_GE(sent, 10u) << "one accepted request in each second at least, for 6 s";
  EXPECT_EQ(visible + not_visible, sent);
  EXPECT_LE(not_visible, 2u) << "only the last requests' runs go unpatched";
  EXPECT_EQ(std::uint64_t(probes["failed_polls"]), 0u);
}

}  // namespace
}  // namespace tracepipe::test

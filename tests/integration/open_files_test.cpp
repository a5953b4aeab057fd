// Out of file descriptors: a `tracepipe ingest` whose hard open-file limit is
// too low for its connections says so at start, pauses accepting while
// accept() fails (it does not spin), counts the failures in /metrics, and
// serves again once connections close.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

/// CPU seconds (user + system) a process has used, from /proc/PID/stat.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state … cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(IngestOpenFiles, OutOfDescriptorsPausesAcceptingAndRecovers) {
  auto dir = fs::temp_directory_path() / ("tracepipe-open-files-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto log = dir / "ingest.log";
  // 64 descriptors at most, hard limit too: ~55 connections after Redis, the
  // listener, epoll and the standard streams.
  child_process ingest({"/usr/bin/prlimit", "--nofile=64:64", TRACEPIPE_BINARY, "ingest", "--listen", "127.0.0.1:0",
                        "--redis-url", stack_env().at("REDIS_URL"), "--stream", "open_files:runs"},
                       log.string());
  std::string said;
  auto listening = wait_for_in_log(log, std::regex("listening on (http://127\\.0\\.0\\.1:[0-9]+)"), said);
  ASSERT_TRUE(listening) << said;
  std::string url = *listening;
  EXPECT_NE(said.find("warning: the open-file limit is 64 (hard limit 64), below the 10064 that "
                      "ingest.max_connections needs"),
            std::string::npos)
      << said;

  // 100 idle connections: the kernel completes them all (listen backlog);
  // ingest runs out of descriptors part way through accepting them.
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 100; ++i) held.push_back(std::make_unique<raw_connection>(url));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // A spinning accept loop would burn a whole core; paused, it uses almost none.
  auto before = cpu_seconds(ingest.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto used = cpu_seconds(ingest.pid()) - before;
  EXPECT_LT(used, 0.5) << "ingest used " << used << " s of CPU in 2 s with accept() failing";

  held.clear();  // descriptors come back as ingest sees these close
  loadgen::http_answer metrics;
  ASSERT_TRUE(eventually([&] {
    try {
      metrics = loadgen::http_client(url).request("GET", "/metrics");
    } catch (const std::exception&) {
      return false;  // still out of descriptors
    }
    return metrics.status == 200;
  })) << metrics.status;
  std::smatch failed;
  ASSERT_TRUE(std::regex_search(metrics.body, failed,
                                std::regex("tracepipe_ingest_connections_dropped_total\\{reason=\"accept_error\"\\} "
                                           "([0-9]+)")))
      << metrics.body;
  EXPECT_GT(std::stoul(failed[1]), 0u) << metrics.body;
  // Up to one failure per 100 ms pause, not millions.
  EXPECT_LT(std::stoul(failed[1]), 200u) << metrics.body;
  EXPECT_EQ(loadgen::http_client(url).request("GET", "/ok").status, 200u);
  ingest.terminate();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tracepipe::test

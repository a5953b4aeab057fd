#include "tests/chdb/schema_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "sink/clickhouse_version.hpp"

namespace tracepipe::test {

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string unique_database(const char* what) {
  static std::atomic<int> counter{0};
  return "tp_sink_" + std::string(what) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

void schema_fixture::SetUp() {
  std::string why;
  if (!modern_engine_available(&why)) GTEST_SKIP() << "modern-engine check skipped: " << why;
  session_ = chdb_session::get(&why);
  ASSERT_NE(session_, nullptr) << why;
}

void schema_fixture::TearDown() {
  if (session_)
    for (const auto& db : databases_) session_->run("DROP DATABASE IF EXISTS " + db);
}

sink::schema_names schema_fixture::create_schema(const char* version) {
  sink::schema_names names{unique_database("db"), "runs"};
  databases_.push_back(names.database);
  auto parsed = sink::clickhouse_version::parse(version);
  EXPECT_TRUE(parsed) << version;
  if (parsed)
    for (const auto& statement : sink::schema_ddl(names, *parsed)) ok(statement);
  return names;
}

std::string schema_fixture::ok(const std::string& sql) {
  auto r = session_->run(sql);
  EXPECT_TRUE(r.ok) << sql.substr(0, 4000) << "\n→ " << r.error;
  return r.output;
}

std::string schema_fixture::eventually(const std::string& sql, const std::string& want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string got;
  while ((got = ok(sql)) != want && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return got;
}

}  // namespace tracepipe::test

#include "sink_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <iostream>
#include <thread>

#include <hiredis/hiredis.h>

#include <simdjson.h>

#include "config/loader.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/wire_format.hpp"
#include "queue/blocking_redis.hpp"
#include "sink/schema.hpp"
#include "sink/worker.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {

config::settings sink_settings(const std::string& name) {
  const auto& env = stack_env();
  auto s = config::defaults();
  s.redis.url = env.at("REDIS_URL");
  s.redis.stream = "test:" + name;
  s.redis.depth_interval = std::chrono::milliseconds(20);
  s.ingest.listen = "127.0.0.1:0";
  s.ingest.threads = 2;
  s.clickhouse.urls = stack_clickhouse_urls();
  s.clickhouse.cluster = env.at("CLICKHOUSE_CLUSTER");
  s.clickhouse.user = env.at("CLICKHOUSE_USER");
  s.clickhouse.password = env.at("CLICKHOUSE_PASSWORD");
  s.clickhouse.database = "test_" + name;
  s.clickhouse.timeout = std::chrono::seconds(10);
  s.s3.endpoint = env.at("S3_ENDPOINT");
  s.s3.bucket = env.at("S3_BUCKET");
  s.s3.region = env.at("S3_REGION");
  s.s3.access_key = env.at("AWS_ACCESS_KEY_ID");
  s.s3.secret_key = env.at("AWS_SECRET_ACCESS_KEY");
  s.s3.timeout = std::chrono::seconds(5);
  s.worker.group = "g-" + name;
  s.worker.batch_age = std::chrono::milliseconds(200);
  s.worker.batch_rows = 500;
  s.worker.reclaim_idle = std::chrono::seconds(2);
  s.worker.reclaim_interval = std::chrono::milliseconds(500);
  s.worker.retry_initial = std::chrono::milliseconds(50);
  s.worker.retry_max = std::chrono::seconds(1);
  s.worker.shutdown_deadline = std::chrono::seconds(10);
  s.worker.dead_letter_stream = "test:" + name + ":dead";
  // On every replica, and their table's ZooKeeper path with them.
  clickhouse_probe(s).scalar("DROP DATABASE IF EXISTS " + s.clickhouse.database +
                             (s.clickhouse.cluster.empty() ? "" : " ON CLUSTER `" + s.clickhouse.cluster + "`"));
  return s;
}

clickhouse_probe::clickhouse_probe(const config::settings& s, std::size_t replica)
    : client_({s.clickhouse.urls.at(replica), s.clickhouse.user, s.clickhouse.password, std::chrono::seconds(20)}),
      table_(s.clickhouse.database + "." + s.clickhouse.table) {}

std::string clickhouse_probe::scalar(const std::string& sql) {
  auto r = client_.query(sql);
  if (r.kind != sink::failure::none) throw std::runtime_error("ClickHouse: " + r.message + " in: " + sql);
  auto line = r.body.substr(0, r.body.find_first_of("\t\n"));
  return line;
}

std::vector<std::map<std::string, std::string>> clickhouse_probe::rows(const std::string& sql) {
  auto r = client_.query(sql + " FORMAT JSONEachRow");
  if (r.kind != sink::failure::none) throw std::runtime_error("ClickHouse: " + r.message + " in: " + sql);
  std::vector<std::map<std::string, std::string>> out;
  simdjson::dom::parser parser;
  std::size_t start = 0;
  while (start < r.body.size()) {
    auto end = r.body.find('\n', start);
    auto line = r.body.substr(start, end - start);
    start = end == std::string::npos ? r.body.size() : end + 1;
    if (line.empty()) continue;
    std::map<std::string, std::string> row;
    simdjson::dom::object obj = parser.parse(line).get_object();
    for (auto [k, v] : obj) {
      std::string_view s;
      row[std::string(k)] = v.get(s) == simdjson::SUCCESS ? std::string(s) : simdjson::minify(v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::uint64_t clickhouse_probe::distinct_ops() {
  return count("SELECT count() FROM (SELECT DISTINCT id, kind FROM " + table_ + ")");
}

std::uint64_t clickhouse_probe::raw_rows() { return count("SELECT count() FROM " + table_); }

void clickhouse_probe::create_table_refusing_text_tenants(const config::settings& s) {
  auto ddl = sink::schema_ddl({s.clickhouse.database, s.clickhouse.table}, *sink::clickhouse_version::parse("18.16.1"));
  scalar(ddl[0]);
  auto table = ddl[1];
  table.replace(table.find("tenant String"), 13, "tenant UInt64");
  scalar(table);
}

std::uint64_t clickhouse_probe::duplicates_after_final() {
  return count("SELECT count() FROM (SELECT id, kind, count() AS c FROM " + table_ +
               " FINAL GROUP BY id, kind HAVING c > 1)");
}

std::vector<loadgen::generated_run> sink_runs(std::size_t n, std::uint64_t seed, std::size_t large_every,
                                              std::size_t large_bytes) {
  loadgen::run_factory f(seed);
  std::vector<loadgen::generated_run> runs;
  while (runs.size() < n)
    for (auto& r : f.trace({3, 200, "sinktest"}))
      if (runs.size() < n) runs.push_back(std::move(r));
  for (std::size_t i = 0; large_every && i < runs.size(); i += large_every)
    runs[i].inputs_json = R"({"document":")" + std::string(large_bytes, 'x') + R"("})";
  return runs;
}

std::size_t send_runs(const std::string& url, const std::vector<loadgen::generated_run>& runs,
                      std::size_t per_request) {
  loadgen::http_client client(url);
  std::size_t accepted = 0;
  for (std::size_t i = 0, n = 0; i < runs.size(); i += per_request, ++n) {
    std::vector<loadgen::generated_run> slice(runs.begin() + i, runs.begin() + std::min(runs.size(), i + per_request));
    loadgen::http_answer a;
    if (n % 2 == 0) {
      a = client.request("POST", "/runs/batch", loadgen::batch_body(slice, slice), {{"content-type", "application/json"}});
    } else {
      loadgen::multipart_builder mp("sink-" + std::to_string(i));
      for (const auto& r : slice) {
        std::vector<loadgen::attachment> files;
        if (r.parent_run_id.empty()) files.push_back({"notes", "text/plain", "notes of " + r.id});
        mp.post(r, files);
        mp.patch(r);
      }
      auto body = mp.finish();
      a = client.request("POST", "/runs/multipart", body.body, {{"content-type", body.content_type()}});
    }
    if (a.status != 202) throw std::runtime_error("ingest answered " + std::to_string(a.status) + ": " + a.body);
    accepted += 2 * slice.size();
  }
  return accepted;
}

restart_guard::~restart_guard() {
  for (const auto& c : stack::status(stack_dir()))
    if (c.name == name && !c.alive) stack::start_component(stack_dir(), name, std::cerr);
}

std::uint64_t pending(const config::settings& s) {
  auto url = stack_env().at("REDIS_URL");
  auto port = std::stoi(url.substr(url.rfind(':') + 1));
  auto c = queue::blocking_redis::connect("127.0.0.1", port, std::chrono::seconds(5));
  if (!c) return 0;
  auto r = c->command({"XPENDING", s.redis.stream + ":{0}", s.worker.group});
  return r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? r->element[0]->integer : 0;
}

void expect_held_until_s3_returns(const config::settings& s, std::size_t ops, clickhouse_probe& ch) {
  ASSERT_TRUE(eventually([&] { return pending(s) == ops; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(ch.raw_rows(), 0u);
  stack::start_component(stack_dir(), "s3", std::cerr);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, std::chrono::seconds(60)))
      << ch.distinct_ops() << " of " << ops;
}

std::vector<std::string> consumer_names(queue::stream_consumer& c) {
  std::vector<queue::consumer_state> seen;
  EXPECT_FALSE(c.list_consumers(seen)) << c.last_error();
  std::vector<std::string> out;
  for (const auto& s : seen) out.push_back(s.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void expect_gone_consumer_removed(const config::settings& s, queue::stream_consumer& gone, std::size_t ops,
                                  std::size_t held) {
  using namespace std::chrono_literals;
  auto s1 = s, s2 = s;
  s1.worker.consumer = "w1";
  s2.worker.consumer = "w2";
  s1.worker.pipelines = s2.worker.pipelines = 2;
  sink::worker w1(s1), w2(s2);
  w1.start();
  w2.start();
  clickhouse_probe ch(s);
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() == ops; }, 60s)) << ch.distinct_ops() << " of " << ops;
  const std::vector<std::string> live{"w1-0", "w1-1", "w2-0", "w2-1"};
  ASSERT_TRUE(eventually([&] { return consumer_names(gone) == live; }, 30s))
      << "the gone consumer removed once its entries were reclaimed: " << ::testing::PrintToString(consumer_names(gone));
  // Idle past the expiry (nothing more to read), live consumers still do
  // not look gone, even to the other worker: their heartbeats.
  std::this_thread::sleep_for(s.worker.consumer_expiry + 1s);
  EXPECT_EQ(consumer_names(gone), live);
  w1.stop();
  w2.stop();
  EXPECT_EQ(consumer_names(gone), std::vector<std::string>{}) << "a drained worker leaves the group";
  // Both workers may see the gone consumer in the same round and each remove it.
  auto removed = w1.metrics().consumers_removed + w2.metrics().consumers_removed;
  EXPECT_GE(removed, 1u);
  EXPECT_LE(removed, 2u);
  EXPECT_GE(w1.metrics().reclaimed + w2.metrics().reclaimed, held);
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

}  // namespace tracepipe::test

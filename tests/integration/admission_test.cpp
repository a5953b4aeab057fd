// Overload and outage: 429 with Retry-After at the queue watermark, 503 with
// Retry-After while Redis is down, and recovery when it returns.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"
#include "stack/stack.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

const std::map<std::string, std::string> json{{"content-type", "application/json"}};

std::string batch(loadgen::run_factory& f, int traces) {
  std::vector<loadgen::generated_run> runs;
  for (int i = 0; i < traces; ++i)
    for (auto& r : f.trace({2, 100, "admission"})) runs.push_back(std::move(r));
  return loadgen::batch_body(runs, runs);
}

TEST(IngestAdmission, QueueWatermarkAnswers429WithRetryAfter) {
  auto s = test_settings("watermark");
  s.ingest.queue_high_watermark = 100;
  s.ingest.retry_after_s = 7;
  ingest_under_test ingest(s);
  loadgen::http_client client(ingest.url());
  loadgen::run_factory f(7);
  // 5 traces × 2 runs × (post + patch) = 20 entries a request; the depth is
  // sampled, so requests keep being accepted until the sample reaches 100.
  long long accepted = 0;
  while (accepted < 100) {
    auto a = client.request("POST", "/runs/batch", batch(f, 5), json);
    ASSERT_EQ(a.status, 202u) << a.body;
    accepted += 20;
  }
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().depth.depth() >= 100; }));
  auto refused = client.request("POST", "/runs/batch", batch(f, 5), json);
  EXPECT_EQ(refused.status, 429u) << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "7");
  EXPECT_NE(refused.body.find("queue_full"), std::string::npos) << refused.body;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), accepted);

  // Draining the queue below the watermark lets requests in again.
  redis_probe().del(ingest.stream());
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().depth.depth() == 0; }));
  loadgen::http_client again(ingest.url());
  EXPECT_EQ(again.request("POST", "/runs/batch", batch(f, 5), json).status, 202u);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 20);
}

// A raw connection to ingest that sends what it is told and keeps its socket.
std::string post_head(const std::string& length_header) {
  return "POST /runs/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + length_header + "\r\n\r\n";
}

TEST(IngestAdmission, InflightBytesWatermarkAnswers429) {
  auto s = test_settings("inflight");
  s.ingest.inflight_high_watermark = 1;  // any body byte in progress fills it
  ingest_under_test ingest(s);
  // Hold one request open with its body half sent: its bytes stay counted.
  raw_connection slow(ingest.url());
  slow.send(post_head("Content-Length: 1000") + "{");
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() >= 1; }));
  loadgen::run_factory f(8);
  loadgen::http_client client(ingest.url());
  auto refused = client.request("POST", "/runs/batch", batch(f, 1), json);
  EXPECT_EQ(refused.status, 429u) << refused.body;
  EXPECT_NE(refused.body.find("too_much_inflight"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  slow.socket.close();
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() == 0; }));
  loadgen::http_client after(ingest.url());
  EXPECT_EQ(after.request("POST", "/runs/batch", batch(f, 1), json).status, 202u);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 4);
}

// Declaring a large body reserves nothing: 42 connections that each announce
// 25 MiB (42 × the body limit is over twice the 512 MiB watermark) and send
// none of it hold back no one, and the in-flight gauge stays at 0.
TEST(IngestAdmission, DeclaredButUnsentBodiesDoNotLockOthersOut) {
  auto s = test_settings("declared");
  ingest_under_test ingest(s);
  ASSERT_GE(s.ingest.body_limit * 42, 2 * s.ingest.inflight_high_watermark);
  std::vector<std::unique_ptr<raw_connection>> idle;
  for (int i = 0; i < 42; ++i) {
    idle.push_back(std::make_unique<raw_connection>(ingest.url()));
    idle.back()->send(post_head(fmt::format("Content-Length: {}", s.ingest.body_limit)));
  }
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().requests_in_progress.load() >= 42; }));
  EXPECT_EQ(ingest.runner().svc().inflight_bytes.load(), 0u);
  loadgen::run_factory f(10);
  loadgen::http_client client(ingest.url());
  for (int i = 0; i < 3; ++i) {
    auto a = client.request("POST", "/runs/batch", batch(f, 1), json);
    EXPECT_EQ(a.status, 202u) << a.body;
  }
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 12);
}

// Bytes that do arrive count: a chunked body that pushes the requests in
// progress past the watermark is refused mid-body (429, connection closed),
// and nothing of it is enqueued.
TEST(IngestAdmission, BodyPastTheWatermarkIsRefusedMidBody) {
  auto s = test_settings("midbody");
  s.ingest.inflight_high_watermark = 64 * 1024;
  ingest_under_test ingest(s);
  raw_connection holder(ingest.url());
  holder.send(post_head("Content-Length: 100000") + std::string(40000, ' '));
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() >= 40000; }));
  raw_connection big(ingest.url());
  big.send(post_head("Transfer-Encoding: chunked"));
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", 8192, std::string(8192, ' '));
  boost::system::error_code ec;
  for (int i = 0; i < 8 && !ec; ++i) {  // 64 KiB in all: past the watermark with the holder's 40,000
    boost::asio::write(big.socket, boost::asio::buffer(chunk), ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto answer = big.answer();
  EXPECT_NE(answer.find("HTTP/1.1 429"), std::string::npos) << answer;
  EXPECT_NE(answer.find("too_much_inflight"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Retry-After"), std::string::npos) << answer;
  holder.socket.close();
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() == 0; }));
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
}

TEST(IngestAdmission, RedisDownAnswers503ThenRecovers) {
  auto s = test_settings("outage");
  s.redis.command_timeout = std::chrono::milliseconds(500);
  s.redis.reconnect_delay = std::chrono::milliseconds(50);
  ingest_under_test ingest(s);
  loadgen::run_factory f(9);
  {
    loadgen::http_client client(ingest.url());
    ASSERT_EQ(client.request("POST", "/runs/batch", batch(f, 1), json).status, 202u);
  }
  stack::stop_component(stack_dir(), "redis", std::cerr);
  loadgen::http_answer down;
  ASSERT_TRUE(eventually([&] {
    loadgen::http_client client(ingest.url());
    down = client.request("POST", "/runs/batch", batch(f, 1), json);
    return down.status == 503;
  })) << "last answer " << down.status << " " << down.body;
  EXPECT_EQ(down.headers["retry-after"], "1");
  EXPECT_NE(down.body.find("queue_unavailable"), std::string::npos);
  EXPECT_EQ(loadgen::http_client(ingest.url()).request("GET", "/ready").status, 503u);
  EXPECT_EQ(loadgen::http_client(ingest.url()).request("GET", "/ok").status, 200u);  // alive, not ready

  stack::start_component(stack_dir(), "redis", std::cerr);
  ASSERT_TRUE(eventually([&] { return loadgen::http_client(ingest.url()).request("GET", "/ready").status == 200; },
                         std::chrono::seconds(15)));
  loadgen::http_client client(ingest.url());
  EXPECT_EQ(client.request("POST", "/runs/batch", batch(f, 1), json).status, 202u);
  // The entries accepted before the outage survived it (AOF), plus the new ones.
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 8);
}

}  // namespace
}  // namespace tracepipe::test

// Overload and outage: 429 with Retry-After at the queue watermark, 503 with
// Retry-After while Redis is down, and recovery when it returns.
#include <gtest/gtest.h>

#include <iostream>

#include <boost/asio/write.hpp>

#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"
#include "stack_fixture.hpp"
#include "tools/stack/stack.hpp"

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

TEST(IngestAdmission, InflightBytesWatermarkAnswers429) {
  auto s = test_settings("inflight");
  s.ingest.inflight_high_watermark = 1;  // any body in progress fills it
  ingest_under_test ingest(s);
  // Hold one request open with its body half sent: its bytes stay reserved.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket slow(ioc);
  auto port = static_cast<unsigned short>(std::stoi(ingest.url().substr(ingest.url().rfind(':') + 1)));
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string head = "POST /runs/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
  boost::asio::write(slow, boost::asio::buffer(head));
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() >= 1000; }));
  loadgen::run_factory f(8);
  loadgen::http_client client(ingest.url());
  auto refused = client.request("POST", "/runs/batch", batch(f, 1), json);
  EXPECT_EQ(refused.status, 429u) << refused.body;
  EXPECT_NE(refused.body.find("too_much_inflight"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  slow.close();
  ASSERT_TRUE(eventually([&] { return ingest.runner().svc().inflight_bytes.load() == 0; }));
  loadgen::http_client after(ingest.url());
  EXPECT_EQ(after.request("POST", "/runs/batch", batch(f, 1), json).status, 202u);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 4);
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

// Coordinated omission, measured: against an endpoint that stalls once for
// 1 s, the latency counted from each request's intended send time shows the
// stall for every request that queued behind it; the latency counted from
// the actual send time (what a closed-loop tool reports) hides it.
// The endpoint is a protocol-level double: no real server stalls on demand.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <thread>

#include "loadgen/load_runner.hpp"

namespace tracepipe::loadgen {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// Answers 202 to every request on one connection at a time; request number
/// `stall_at` is answered only after `stall`.
class stalling_endpoint {
 public:
  stalling_endpoint(int stall_at, std::chrono::milliseconds stall)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), stall_at_(stall_at), stall_(stall) {
    thread_ = std::thread([this] { serve(); });
  }
  ~stalling_endpoint() {
    stop_ = true;
    // A blocking accept() is not woken by close() from another thread: connect to it.
    tcp::socket wake(ioc_);
    boost::system::error_code ignore;
    wake.connect(acceptor_.local_endpoint(), ignore);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      answer_all(s);
    }
  }
  void answer_all(tcp::socket& s) {
    asio::streambuf buf;
    boost::system::error_code ec;
    for (;;) {
      auto header_end = asio::read_until(s, buf, "\r\n\r\n", ec);
      if (ec) return;
      std::string head(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + header_end);
      buf.consume(header_end);
      auto cl = head.find("Content-Length: ");
      std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
      if (buf.size() < length) asio::read(s, buf, asio::transfer_exactly(length - buf.size()), ec);
      if (ec) return;
      buf.consume(length);
      if (++requests_ == stall_at_) std::this_thread::sleep_for(stall_);
      asio::write(s, asio::buffer(std::string_view("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")), ec);
      if (ec) return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  int stall_at_;
  std::chrono::milliseconds stall_;
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(loadgen_coordinated_omission, corrected_latency_shows_a_stall_that_uncorrected_hides) {
  stalling_endpoint endpoint(100, 1000ms);
  load_options o;
  o.target = endpoint.url();
  o.stages = constant_stages(200, 3s);  // 200 requests/s of one run each, on one connection
  o.body.runs_per_request = 1;
  o.body.pattern = run_pattern::post;
  o.connections = 1;
  auto r = run_load(o);
  ASSERT_EQ(r.accepted, 600u);
  ASSERT_EQ(endpoint.requests(), 600);
  // ~200 requests were due during the stall: each waited up to 1 s, so well
  // over 1% of all 600 saw most of a second.
  EXPECT_GE(r.corrected.quantile(0.99), 900'000u) << "corrected p99 µs";
  EXPECT_GE(r.corrected.quantile(0.9), 300'000u) << "corrected p90 µs";
  // Once sent, each answered at once: only the stalled request itself was slow.
  EXPECT_LT(r.uncorrected.quantile(0.99), 100'000u) << "uncorrected p99 µs";
  EXPECT_GE(r.uncorrected.max(), 1'000'000u);
}

TEST(loadgen_coordinated_omission, closed_loop_hides_the_stall_in_both_measures) {
  stalling_endpoint endpoint(100, 1000ms);
  load_options o;
  o.target = endpoint.url();
  o.stages = constant_stages(1, 2s);  // only its length counts
  o.concurrency = 1;
  o.body.runs_per_request = 1;
  o.body.pattern = run_pattern::post;
  auto r = run_load(o);
  EXPECT_EQ(r.target_rate, 0.0) << "a closed loop has no schedule";
  ASSERT_GT(r.accepted, 200u) << "one connection, back to back, for the 1 s that is not the stall";
  EXPECT_EQ(r.accepted, static_cast<std::uint64_t>(endpoint.requests()));
  EXPECT_LT(r.corrected.quantile(0.99), 100'000u) << "nothing waited behind the stall: it was never sent";
  EXPECT_GE(r.corrected.max(), 1'000'000u);
  EXPECT_GE(r.uncorrected.max(), 1'000'000u);
}

}  // namespace
}  // namespace tracepipe::loadgen

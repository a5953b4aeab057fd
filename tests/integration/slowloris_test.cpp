// Slowloris (issue #5): a thousand connections trickling their request a byte
// at a time are closed on the configured deadlines, without an answer, while
// normal requests from another client are still served; afterwards the
// connections gauge and the process's file descriptors are back where they were.
//
// Deadlines (ingest.read_timeout, ingest.idle_timeout): a fresh connection has
// read_timeout from its accept for its whole first request, headers and body;
// on a kept-alive connection, idle_timeout for the next request to start, then
// read_timeout from its first byte for all of it. A timed-out connection is
// closed without an answer (no 408): the client sees end of stream (or a reset,
// if its last byte arrived as the server closed) and not a byte of response.
//
// Groups (trickle = one byte every ~200 ms, never completing the request):
//   header      500  fresh; the request line and headers trickled, no blank line ever
//   body        250  fresh; complete headers (Content-Length: 1000) at once, the body trickled
//   late-body   250  fresh; headers trickled until ~0.8 × read_timeout, then completed,
//                    the body trickled (the body must not get a fresh read_timeout)
//   kept-alive   20  GET /ok answered 200 on the connection, then the next request's
//                    headers trickled (read_timeout from its first byte, not idle_timeout)
// Each must be closed no sooner than its deadline (strictly: the client's
// start time precedes the server's) and within SLACK after it; the SLACK is
// generous to a timer, but shorter than the second deadline a bug would give.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "ingest/service.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"

namespace tracepipe::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto read_timeout = 3s;
constexpr auto idle_timeout = 10s;  // longer than any wait below: a trickle must not be allowed it
constexpr auto slack = 1500ms;
constexpr auto tick = 200ms;
constexpr int header_conns = 500, body_conns = 250, late_body_conns = 250, kept_alive_conns = 20;
constexpr int normal_requests = 10;

enum class group { header, body, late_body, kept_alive };
const char* name_of(group g) {
  switch (g) {
    case group::header: return "header";
    case group::body: return "body";
    case group::late_body: return "late-body";
    case group::kept_alive: return "kept-alive";
  }
  return "?";
}

const std::string request_head =
    "POST /runs/batch HTTP/1.1\r\nHost: slowloris\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n";

/// Header tricklers send this a byte a tick, then header value bytes forever.
const std::string header_script = "POST /runs/batch HTTP/1.1\r\nHost: slowloris\r\nX-Trickle: ";

struct slow_conn {
  explicit slow_conn(asio::io_context& ioc, group g) : socket(ioc), which(g) {}
  tcp::socket socket;
  group which;
  clock::time_point start;             ///< before the server's deadline for it can have started
  clock::time_point headers_done{};    ///< late-body: when its blank line was written
  clock::time_point closed_at{};
  bool closed = false;
  std::string script;                  ///< trickled a byte a tick, then filler
  std::size_t pos = 0;
  bool in_body = false;                ///< what the filler belongs to
  std::size_t received = 0;            ///< bytes the server sent (after kept-alive's first answer)
  std::string received_text;
  boost::system::error_code end;
  std::array<char, 512> buf{};
};

/// The slow clients: every connection on one I/O thread, a byte per tick each.
class slowloris {
 public:
  explicit slowloris(std::uint16_t port) : port_(port), ticker_(ioc_) {}
  ~slowloris() { stop(); }

  /// Opens every connection (on the I/O thread) and starts trickling;
  /// returns an empty string, or what went wrong.
  std::string start() {
    std::promise<std::string> opened;
    auto done = opened.get_future();
    asio::post(ioc_, [&] {
      try {
        open_all();
        opened.set_value("");
      } catch (const std::exception& e) {
        opened.set_value(e.what());
      }
    });
    thread_ = std::thread([this] { ioc_.run(); });
    return done.get();
  }

  /// Waits until every connection is closed or `until`; true when all are.
  bool wait_all_closed(clock::time_point until) {
    std::unique_lock lock(mutex_);
    return cv_.wait_until(lock, until, [&] { return open_ == 0; });
  }

  int closed() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(conns_.size()) - open_;
  }

  /// Stops the I/O thread and closes what is still open on our side.
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      stopping_ = true;
      ticker_.cancel();
      for (auto& c : conns_) {
        boost::system::error_code ignored;
        c->socket.close(ignored);
      }
    });
    thread_.join();
  }

  const std::vector<std::unique_ptr<slow_conn>>& conns() const { return conns_; }

 private:
  void open_all() {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
    // Kept-alive first: a normal request answered on the connection, then the trickle.
    for (int i = 0; i < kept_alive_conns; ++i) {
      auto& c = add(group::kept_alive);
      c.socket.connect(ep);
      asio::write(c.socket, asio::buffer(std::string("GET /ok HTTP/1.1\r\nHost: slowloris\r\n\r\n")));
      boost::beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(c.socket, buffer, res);
      if (res.result_int() != 200 || !res.keep_alive())
        throw std::runtime_error(fmt::format("kept-alive setup: GET /ok answered {} keep-alive {}",
                                             res.result_int(), res.keep_alive()));
      if (buffer.size() != 0) throw std::runtime_error("kept-alive setup: bytes after the answer");
      c.start = clock::now();  // before the first trickled byte, which starts the request's deadline
      c.script = header_script;
      trickle(c);
      read(c);
    }
    for (int i = 0; i < header_conns; ++i) {
      auto& c = add(group::header);
      c.start = clock::now();
      c.socket.connect(ep);
      c.script = header_script;
      trickle(c);
      read(c);
    }
    for (int i = 0; i < body_conns + late_body_conns; ++i) {
      auto& c = add(i < body_conns ? group::body : group::late_body);
      c.start = clock::now();
      c.socket.connect(ep);
      if (c.which == group::body) {
        asio::write(c.socket, asio::buffer(request_head + "\r\n{"));
        c.in_body = true;
      } else {
        asio::write(c.socket, asio::buffer(request_head + "X-Trickle: "));
      }
      read(c);
    }
    schedule_tick();
  }

  slow_conn& add(group g) {
    std::lock_guard lock(mutex_);
    conns_.push_back(std::make_unique<slow_conn>(ioc_, g));
    ++open_;
    return *conns_.back();
  }

  void read(slow_conn& c) {
    c.socket.async_read_some(asio::buffer(c.buf), [this, &c](boost::system::error_code ec, std::size_t n) {
      if (!ec) {
        c.received += n;
        if (c.received_text.size() < 200) c.received_text.append(c.buf.data(), std::min<std::size_t>(n, 200));
        return read(c);
      }
      if (stopping_) return;
      c.closed_at = clock::now();
      c.end = ec;
      boost::system::error_code ignored;
      c.socket.close(ignored);
      std::lock_guard lock(mutex_);
      c.closed = true;
      if (--open_ == 0) cv_.notify_all();
    });
  }

  /// One more byte: the script's next, else a header value's or the body's filler.
  void trickle(slow_conn& c) {
    char byte = c.pos < c.script.size() ? c.script[c.pos++] : (c.in_body ? ' ' : 'a');
    write(c, std::string_view(&byte, 1));
  }

  static void write(slow_conn& c, std::string_view bytes) {
    boost::system::error_code ignored;  // a closed peer shows in the read
    c.socket.write_some(asio::buffer(bytes.data(), bytes.size()), ignored);
  }

  void schedule_tick() {
    ticker_.expires_after(tick);
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      auto now = clock::now();
      for (auto& c : conns_) {
        if (c->closed) continue;
        if (c->which == group::late_body && !c->in_body && now - c->start >= read_timeout * 4 / 5 &&
            now - c->start < read_timeout - tick) {
          // Its headers end just before the deadline; its body goes on trickling.
          c->script = "\r\n\r\n{";
          c->pos = 0;
          c->in_body = true;
          c->headers_done = now;
          write(*c, c->script);
          c->pos = c->script.size();
          continue;
        }
        trickle(*c);
      }
      schedule_tick();
    });
  }

  std::uint16_t port_;
  asio::io_context ioc_;
  asio::steady_timer ticker_;
  std::thread thread_;
  std::vector<std::unique_ptr<slow_conn>> conns_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int open_ = 0;
  bool stopping_ = false;
};

std::string batch_of_one_trace(loadgen::run_factory& f) {
  auto runs = f.trace({2, 100, "slowloris"});
  return loadgen::batch_body(runs, runs);  // 2 posts + 2 patches = 4 stream entries
}

double ms(clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

TEST(Slowloris, TricklingConnectionsCloseOnTheirDeadlinesWhileOthersAreServed) {
  constexpr int total = header_conns + body_conns + late_body_conns + kept_alive_conns;
  ensure_fd_limit(4 * total + 1024);
  if (HasFatalFailure()) return;

  auto s = test_settings("slowloris");
  s.ingest.read_timeout = read_timeout;
  s.ingest.idle_timeout = idle_timeout;
  ingest_under_test ingest(s);
  auto& svc = ingest.runner().svc();
  const auto url = ingest.url();
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));

  const long gauge_before = metrics_connections(url);
  ASSERT_TRUE(eventually([&] { return svc.connections.load() == 0; }));
  const auto fds_before = open_fds();

  auto slow = std::make_unique<slowloris>(port);
  auto error = slow->start();
  ASSERT_EQ(error, "") << "opening the slow connections failed";

  // The server holds every one of them (none refused at max_connections) …
  ASSERT_TRUE(eventually([&] { return svc.connections.load() >= static_cast<std::uint64_t>(total); }, 5s))
      << "the server holds " << svc.connections.load() << " connections of " << total;

  // … and answers normal requests, each on a fresh connection, meanwhile.
  loadgen::run_factory f(5);
  const std::map<std::string, std::string> json{{"content-type", "application/json"}};
  for (int i = 0; i < normal_requests; ++i) {
    loadgen::http_client client(url);
    auto a = client.request("POST", "/runs/batch", batch_of_one_trace(f), json);
    EXPECT_EQ(a.status, 202u) << a.body;
  }
  EXPECT_GE(metrics_connections(url), total + 1);
  EXPECT_EQ(slow->closed(), 0) << "slow connections were closed before the normal requests were all answered: "
                                 "they were not served during the trickle";

  // Every slow connection closes; the latest deadline is read_timeout after the last one started.
  auto last_start = std::max_element(slow->conns().begin(), slow->conns().end(), [](auto& a, auto& b) {
                      return a->start < b->start;
                    })->get()->start;
  bool all_closed = slow->wait_all_closed(last_start + read_timeout + slack);
  slow->stop();  // the checks below read conns() without the I/O thread
  EXPECT_TRUE(all_closed) << total - slow->closed() << " slow connections still open "
                          << ms(read_timeout + slack) << " ms after they started";

  struct tally {
    int n = 0, open = 0, early = 0, late = 0, answered = 0, odd_end = 0, late_headers_done = 0;
    std::vector<double> ms;
    std::string example;
  };
  std::map<group, tally> by;
  for (auto& c : slow->conns()) {
    auto& t = by[c->which];
    ++t.n;
    if (c->which == group::late_body && c->headers_done != clock::time_point{}) ++t.late_headers_done;
    if (!c->closed) {
      ++t.open;
      continue;
    }
    auto lived = c->closed_at - c->start;
    t.ms.push_back(ms(lived));
    if (lived < read_timeout) ++t.early;
    if (lived > read_timeout + slack) ++t.late;
    if (c->received) {
      ++t.answered;
      if (t.example.empty()) t.example = c->received_text;
    }
    if (c->end != asio::error::eof && c->end != asio::error::connection_reset) {
      ++t.odd_end;
      if (t.example.empty()) t.example = c->end.message();
    }
  }
  for (auto& [g, t] : by) {
    std::sort(t.ms.begin(), t.ms.end());
    if (!t.ms.empty())
      std::cout << fmt::format("[ slowloris ] {:10} {:3} connections closed after {:.0f} / {:.0f} / {:.0f} ms "
                               "(min / median / max; read_timeout {} ms)\n",
                               name_of(g), t.ms.size(), t.ms.front(), t.ms[t.ms.size() / 2], t.ms.back(),
                               ms(read_timeout));
    EXPECT_EQ(t.open, 0) << name_of(g) << ": still open";
    EXPECT_EQ(t.early, 0) << name_of(g) << ": closed before read_timeout";
    EXPECT_EQ(t.late, 0) << name_of(g) << ": closed later than read_timeout + " << ms(slack) << " ms";
    EXPECT_EQ(t.answered, 0) << name_of(g) << ": the server answered a timed-out request: " << t.example;
    EXPECT_EQ(t.odd_end, 0) << name_of(g) << ": ended otherwise than by end of stream or reset: " << t.example;
  }
  // The late-body group tested what it meant to: its headers completed before its deadline.
  EXPECT_EQ(by[group::late_body].late_headers_done, late_body_conns);
  slow.reset();  // its sockets, and its I/O context's own descriptors

  // Nothing of theirs reached the stream; the normal requests' runs did.
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), normal_requests * 4);

  // Back to the baseline: connections, requests in progress, reserved bytes, fds.
  EXPECT_TRUE(eventually([&] { return svc.connections.load() == 0; }, 5s)) << svc.connections.load();
  EXPECT_TRUE(eventually([&] { return svc.requests_in_progress.load() == 0; }, 5s)) << svc.requests_in_progress.load();
  EXPECT_TRUE(eventually([&] { return svc.inflight_bytes.load() == 0; }, 5s)) << svc.inflight_bytes.load();
  EXPECT_EQ(metrics_connections(url), gauge_before);
  EXPECT_TRUE(eventually([&] { return open_fds() == fds_before; }, 5s))
      << "open fds " << open_fds() << ", before the slow connections " << fds_before;
}

}  // namespace
}  // namespace tracepipe::test

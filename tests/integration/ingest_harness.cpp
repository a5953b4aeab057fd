#include "ingest_harness.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <hiredis/hiredis.h>

#include "common/redis_endpoint.hpp"
#include "config/loader.hpp"
#include "ingest/service.hpp"
#include "loadgen/http_client.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {

namespace {

queue::blocking_redis connect_to_stack() {
  std::string why;
  auto c = queue::blocking_redis::connect(*common::parse_redis_url(stack_env().at("REDIS_URL")),
                                          std::chrono::seconds(5), &why);
  if (!c) throw std::runtime_error("cannot connect to the test Redis: " + why);
  return std::move(*c);
}

}  // namespace

redis_probe::redis_probe() : redis_(connect_to_stack()) {}

queue::owned_reply redis_probe::run(std::initializer_list<std::string_view> argv) {
  auto r = redis_.command(argv);
  if (!r) throw std::runtime_error("redis: " + std::string(redis_.error()));
  return r;
}

long long redis_probe::xlen(const std::string& key) {
  auto r = run({"XLEN", key});
  return r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

std::vector<entry> redis_probe::entries(const std::string& key) {
  auto r = run({"XRANGE", key, "-", "+"});
  std::vector<entry> out;
  for (size_t i = 0; i < r->elements; ++i) {
    auto* fields = r->element[i]->element[1];
    entry e;
    for (size_t j = 0; j + 1 < fields->elements; j += 2)
      e[std::string(fields->element[j]->str, fields->element[j]->len)] =
          std::string(fields->element[j + 1]->str, fields->element[j + 1]->len);
    out.push_back(std::move(e));
  }
  return out;
}

void redis_probe::del(const std::string& key) { run({"DEL", key}); }

config::settings test_settings(const std::string& name) {
  auto s = config::defaults();
  s.redis.url = stack_env().at("REDIS_URL");
  s.redis.stream = "test:" + name;
  s.redis.depth_interval = std::chrono::milliseconds(20);
  s.ingest.listen = "127.0.0.1:0";
  s.ingest.threads = 2;
  return s;
}

ingest_under_test::ingest_under_test(const config::settings& settings)
    : runner_(std::make_unique<ingest::runner>(settings)), stream_(settings.redis.stream) {
  redis_probe().del(stream());
  auto ep = runner_->start();
  url_ = "http://127.0.0.1:" + std::to_string(ep.port());
  if (!eventually([&] { return runner_->svc().redis_ready(); }))
    throw std::runtime_error("ingest under test never connected to Redis");
}

ingest_under_test::~ingest_under_test() { runner_->stop(std::chrono::seconds(2)); }

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

void ensure_fd_limit(std::uint64_t want) {
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    ASSERT_TRUE(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want)
        << "the hard limit on open files (" << rl.rlim_max << ") is below the " << want << " this test needs";
    rl.rlim_cur = want;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
  }
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

long metrics_connections(const std::string& url) {
  auto body = loadgen::http_client(url).request("GET", "/metrics").body;
  auto at = body.find("\ntracepipe_ingest_connections ");
  if (at == std::string::npos) return -1;
  return std::stol(body.substr(at + std::string("\ntracepipe_ingest_connections ").size()));
}

raw_connection::raw_connection(const std::string& url) {
  auto port = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
}

void raw_connection::send(const std::string& bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }

std::string raw_connection::answer() {
  socket.set_option(boost::asio::socket_base::receive_buffer_size(1 << 16));
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  return got;
}

std::pair<unsigned, std::string> raw_exchange(const std::string& url, const std::string& bytes) {
  namespace beast = boost::beast;
  raw_connection c(url);
  beast::error_code ec;
  boost::asio::write(c.socket, boost::asio::buffer(bytes), ec);
  c.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(c.socket, buffer, res, ec);
  if (ec) return {0, {}};
  return {res.result_int(), res.body()};
}

}  // namespace tracepipe::test

// The ClickHouse HTTP client against the stack's real server (Debian's
// 18.16.1), plus a one-shot loopback socket for what a real server will not
// do on demand: show us the raw request, or answer 200 with an exception header.
#include "sink/clickhouse_client.hpp"
#include "tests/support/stack_fixture.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <thread>

namespace tracepipe::sink {
namespace {

clickhouse_settings stack_settings() {
  const auto& env = test::stack_env();
  clickhouse_settings s;
  s.url = env.at("CLICKHOUSE_URL");
  s.user = env.at("CLICKHOUSE_USER");
  s.password = env.at("CLICKHOUSE_PASSWORD");
  s.timeout = std::chrono::milliseconds(20000);
  return s;
}

/// A loopback socket on a free port. listen=false: connections are refused.
struct loopback_socket {
  int fd = -1;
  int port = 0;
  explicit loopback_socket(bool listen_too) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (listen_too) ::listen(fd, 4);
  }
  ~loopback_socket() { ::close(fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

/// Accepts one connection, reads one request (headers + Content-Length body),
/// answers `response` and closes. request() is valid after join().
class one_shot_server {
 public:
  explicit one_shot_server(std::string response) : socket_(true) {
    thread_ = std::thread([this, response = std::move(response)] {
      pollfd p{socket_.fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1) return;
      int c = ::accept(socket_.fd, nullptr, nullptr);
      char buf[65536];
      for (;;) {
        auto end = request_.find("\r\n\r\n");
        if (end != std::string::npos) {
          auto cl = request_.find("Content-Length: ");
          std::size_t want = cl == std::string::npos ? 0 : std::stoul(request_.substr(cl + 16));
          if (request_.size() >= end + 4 + want) break;
        }
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 10000) != 1) break;
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request_.append(buf, static_cast<std::size_t>(n));
      }
      (void)::write(c, response.data(), response.size());
      ::close(c);
    });
  }
  ~one_shot_server() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return socket_.url(); }
  const std::string& request() const { return request_; }

 private:
  loopback_socket socket_;
  std::string request_;
  std::thread thread_;
};

/// A raw HTTP/1.1 response with a correct Content-Length.
std::string http_response(std::string_view status_and_headers, std::string_view body) {
  return "HTTP/1.1 " + std::string(status_and_headers) + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + std::string(body);
}

/// A database of its own per test, dropped afterwards.
class ClickHouseClient : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = "chtest_client_" + std::to_string(::getpid()) + "_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto r = client_.query("CREATE DATABASE " + db_);
    ASSERT_TRUE(r.ok()) << r.message;
    auto v = client_.probe_version();
    ASSERT_TRUE(v);
    r = client_.query("CREATE TABLE " + db_ + ".runs (id String, version UInt64, name String, payload String, " +
                      "inserted_at_us UInt64 MATERIALIZED " + std::string(v->now_micros_expression()) +
                      ") ENGINE = ReplacingMergeTree(version) ORDER BY id");
    ASSERT_TRUE(r.ok()) << r.message;
  }
  void TearDown() override { client_.query("DROP DATABASE IF EXISTS " + db_); }

  std::string count() { return client_.query("SELECT count() FROM " + db_ + ".runs").body; }

  clickhouse_client client_{stack_settings()};
  std::string db_;
};

/// n JSONEachRow rows of about `size` bytes each, ids from `first`.
std::string rows(std::size_t n, std::size_t size = 300, std::size_t first = 0) {
  std::string out;
  for (std::size_t i = first; i < first + n; ++i)
    out += R"({"id":"run-)" + std::to_string(i) + R"(","version":1,"name":"llm","payload":")" +
           std::string(size, static_cast<char>('a' + i % 26)) + "\"}\n";
  return out;
}

TEST_F(ClickHouseClient, ProbesVersion18) {
  clickhouse_result why;
  auto v = client_.probe_version(&why);
  ASSERT_TRUE(v) << why.message;
  EXPECT_EQ(v->major, 18);
  EXPECT_EQ(v->minor, 16);
  EXPECT_FALSE(v->has_async_insert());
  EXPECT_FALSE(v->has_zstd_request_bodies());
  EXPECT_EQ(why.kind, failure::none);
  EXPECT_EQ(why.http_status, 200);
}

TEST_F(ClickHouseClient, InsertsTenThousandRowsGzip) {
  auto r = client_.insert(db_ + ".runs", rows(10000), "chtest-gzip-1", body_compression::gzip);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_GT(r.latency.count(), 0);
  EXPECT_EQ(count(), "10000\n");
  r = client_.insert(db_ + ".runs", rows(10, 300, 10000), "chtest-plain-1", body_compression::none);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(count(), "10010\n");
  // The server stamped every row itself (MATERIALIZED: 18.x ignores DEFAULT for omitted JSON fields).
  EXPECT_EQ(client_.query("SELECT countIf(inserted_at_us > 1500000000000000) FROM " + db_ + ".runs").body, "10010\n");
}

TEST_F(ClickHouseClient, UnparseableRowIsPermanent) {
  std::string body = rows(2) + R"({"id":"bad","version":"notanumber","name":"x","payload":"y"})" + "\n";
  auto r = client_.insert(db_ + ".runs", body, "chtest-bad-1", body_compression::gzip);
  EXPECT_EQ(r.kind, failure::permanent);
  EXPECT_EQ(r.code, 27);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_NE(r.message.find("Cannot parse input"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("(at row 3)"), std::string::npos) << r.message;
  EXPECT_EQ(count(), "0\n");  // one block: nothing of the batch landed
}

TEST_F(ClickHouseClient, ConfigurationErrorsAreFatal) {
  auto r = client_.insert(db_ + ".runs", rows(1), "chtest-setting-1", body_compression::none,
                          {{"async_insert", "1"}, {"wait_for_async_insert", "0"}});
  EXPECT_EQ(r.kind, failure::fatal);
  EXPECT_EQ(r.code, 115);
  EXPECT_EQ(r.message, "Unknown setting async_insert");
  r = client_.insert(db_ + ".runs", rows(1), "chtest-zstd-1", body_compression::zstd);  // before 21.1
  EXPECT_EQ(r.kind, failure::fatal);
  EXPECT_EQ(r.code, 89);
  EXPECT_NE(r.message.find("zstd"), std::string::npos) << r.message;
  EXPECT_EQ(count(), "0\n");
}

TEST_F(ClickHouseClient, SchemaGoneIsRetryable) {
  auto r = client_.insert(db_ + ".nope", rows(1), "chtest-gone-1", body_compression::gzip);
  EXPECT_EQ(r.kind, failure::retryable);
  EXPECT_EQ(r.code, 60);
  EXPECT_EQ(r.http_status, 404);
}

TEST_F(ClickHouseClient, FailureAfterRowsIsAFailure) {
  // 300k rows stream before throwIf fires; wait_end_of_query keeps the 200 from going out.
  auto r = client_.query("SELECT number FROM system.numbers WHERE throwIf(number = 300000) = 0 LIMIT 500000",
                         {{"max_block_size", "1000"}});
  EXPECT_NE(r.kind, failure::none);
  EXPECT_EQ(r.code, 395);
}

TEST(ClickHouseClientTransport, NothingListeningIsRetryable) {
  loopback_socket closed(false);
  auto s = stack_settings();
  s.url = closed.url();
  s.password = "s3cret-never-shown";
  clickhouse_client c(s);
  clickhouse_result why;
  EXPECT_FALSE(c.probe_version(&why));
  EXPECT_EQ(why.kind, failure::retryable);
  EXPECT_EQ(why.http_status, 0);
  EXPECT_NE(why.message.find("connect"), std::string::npos) << why.message;
  EXPECT_EQ(why.message.find("s3cret"), std::string::npos);
}

TEST(ClickHouseClientTransport, SilentServerTimesOut) {
  loopback_socket silent(true);  // the kernel accepts; nobody ever answers
  auto s = stack_settings();
  s.url = silent.url();
  s.timeout = std::chrono::milliseconds(300);
  clickhouse_client c(s);
  auto r = c.query("SELECT 1");
  EXPECT_EQ(r.kind, failure::retryable);
  EXPECT_NE(r.message.find("imeout"), std::string::npos) << r.message;
  EXPECT_LT(r.latency, std::chrono::seconds(5));
}

TEST(ClickHouseClientTransport, HttpsUrlSpeaksTls) {
  loopback_socket plain(true);  // answers the ClientHello with plain text: the handshake must fail
  std::thread answer([&] {
    pollfd p{plain.fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return;
    int c = ::accept(plain.fd, nullptr, nullptr);
    std::string reply = http_response("400 Bad Request", "plain HTTP here\n");
    (void)::write(c, reply.data(), reply.size());
    ::close(c);
  });
  auto s = stack_settings();
  s.url = "https://127.0.0.1:" + std::to_string(plain.port);
  s.timeout = std::chrono::milliseconds(5000);
  clickhouse_client c(s);
  auto r = c.query("SELECT 1");
  answer.join();
  EXPECT_EQ(r.kind, failure::retryable);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.message.find("SSL"), std::string::npos) << r.message;
}

TEST(ClickHouseClientTransport, PasswordNeverInMessagesOrUrl) {
  const std::string secret = "s3cret-pw-XYZ";
  auto s = stack_settings();
  s.password = secret;
  clickhouse_client real(s);  // the stack's default user has no password: 193
  auto r = real.query("SELECT 1");
  EXPECT_EQ(r.kind, failure::fatal);
  EXPECT_EQ(r.code, 193);
  EXPECT_EQ(r.message.find(secret), std::string::npos) << r.message;

  one_shot_server fake(
      http_response("500 Internal Server Error", "Code: 60. DB::Exception: " + secret + ". (UNKNOWN_TABLE)\n"));
  s.url = fake.url();
  clickhouse_client c(s);
  r = c.insert("db.runs", rows(1), "q-1", body_compression::none, {{"insert_deduplication_token", "a b&c"}});
  fake.join();
  EXPECT_EQ(r.code, 60);
  EXPECT_EQ(r.message.find(secret), std::string::npos) << r.message;  // even when a server echoes it
  const std::string& req = fake.request();
  auto request_line = req.substr(0, req.find("\r\n"));
  EXPECT_EQ(request_line.find(secret), std::string::npos) << request_line;
  EXPECT_NE(req.find("X-ClickHouse-Key: " + secret + "\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-ClickHouse-User: default\r\n"), std::string::npos);
  EXPECT_NE(request_line.find("query=INSERT%20INTO%20db.runs%20FORMAT%20JSONEachRow"), std::string::npos);
  EXPECT_NE(request_line.find("&query_id=q-1&"), std::string::npos);
  EXPECT_NE(request_line.find("wait_end_of_query=1"), std::string::npos);
  EXPECT_NE(request_line.find("insert_deduplication_token=a%20b%26c"), std::string::npos);
}

// ClickHouse #65117: 200 OK, no body, X-ClickHouse-Exception-Code: 209.
TEST(ClickHouseClientTransport, ExceptionHeaderOn200IsAFailure) {
  one_shot_server fake(http_response("200 OK\r\nX-ClickHouse-Exception-Code: 209", ""));
  auto s = stack_settings();
  s.url = fake.url();
  clickhouse_client c(s);
  auto r = c.insert("db.runs", rows(1), "q-2", body_compression::gzip);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.kind, failure::retryable);
  EXPECT_EQ(r.code, 209);
  EXPECT_NE(fake.request().find("Content-Encoding: gzip\r\n"), std::string::npos);
}

TEST(ClickHouseClientTransport, CompressedBodiesRoundTrip) {
  std::string in = rows(500), gz, zs, out(in.size(), '\0');
  ASSERT_TRUE(compress_body(body_compression::gzip, in, gz));
  ASSERT_TRUE(compress_body(body_compression::zstd, in, zs));
  EXPECT_LT(gz.size(), in.size() / 4);
  EXPECT_LT(zs.size(), in.size() / 4);
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // a gzip member, not raw zlib
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz.data());
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  EXPECT_EQ(out, in);
  std::string out2(in.size(), '\0');
  EXPECT_EQ(ZSTD_decompress(out2.data(), out2.size(), zs.data(), zs.size()), in.size());
  EXPECT_EQ(out2, in);
}

}  // namespace
}  // namespace tracepipe::sink

#include "stack/detail/probe.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "queue/blocking_redis.hpp"

namespace tracepipe::stack::detail {
namespace {

size_t append_body(char* data, size_t size, size_t n, void* body) {
  static_cast<std::string*>(body)->append(data, size * n);
  return size * n;
}

struct http_request {
  std::string url;
  bool head = false;
  curl_slist* headers = nullptr;
  const char* sigv4 = nullptr;
  const char* userpwd = nullptr;
};

/// HTTP status and body, or status 0 if the request failed.
std::pair<long, std::string> perform(const http_request& r, std::chrono::milliseconds timeout) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string body;
  long status = 0;
  if (!curl) return {0, body};
  auto* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // A developer's http_proxy must not intercept loopback probes.
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOBODY, r.head ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  if (r.headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, r.headers);
  if (r.sigv4) curl_easy_setopt(h, CURLOPT_AWS_SIGV4, r.sigv4);
  if (r.userpwd) curl_easy_setopt(h, CURLOPT_USERPWD, r.userpwd);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return {status, body};
}

}  // namespace

bool redis_ping(int port, std::chrono::milliseconds timeout) {
  auto c = queue::blocking_redis::connect("127.0.0.1", port, timeout);
  if (!c) return false;
  auto reply = c->command({"PING"});
  return reply && reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str, reply->len) == "PONG";
}

bool clickhouse_select_1(int port, std::chrono::milliseconds timeout) {
  auto [status, body] =
      perform({.url = fmt::format("http://127.0.0.1:{}/?query=SELECT%201", port)}, timeout);
  return status == 200 && body == "1\n";
}

bool zookeeper_ruok(int port, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  deadline - clock::now()).count()));
  };
  struct owned_fd {
    int fd;
    ~owned_fd() { if (fd >= 0) close(fd); }
    int operator*() const { return fd; }
  } fd{socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (*fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) return false;
  pollfd p{*fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&p, 1, left_ms()) != 1 || getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return false;
  if (send(*fd, "ruok", 4, MSG_NOSIGNAL) != 4) return false;
  // ZooKeeper answers and closes: read until EOF or four bytes.
  std::string answer;
  for (p = {*fd, POLLIN, 0}; answer.size() < 4 && poll(&p, 1, left_ms()) == 1;) {
    char buf[16];
    auto n = recv(*fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  return answer == "imok";
}

bool s3_head_bucket(int port, const std::string& bucket, std::chrono::milliseconds timeout) {
  // s3rver rejects signed requests without a payload hash; this one is of "".
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr,
                        "x-amz-content-sha256: "
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      curl_slist_free_all);
  auto [status, body] = perform({.url = fmt::format("http://127.0.0.1:{}/{}", port, bucket),
                                 .head = true,
                                 .headers = headers.get(),
                                 .sigv4 = "aws:amz:us-east-1:s3",
                                 .userpwd = "S3RVER:S3RVER"},
                                timeout);
  return status == 200;
}

}  // namespace tracepipe::stack::detail

#pragma once
// What the ingest integration tests share: an in-process ingest server on a
// free port, writing to a stream prefix of its own on the test stack's Redis,
// and a blocking Redis client to look at what landed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/settings.hpp"
#include "ingest/runner.hpp"
#include "queue/blocking_redis.hpp"

namespace tracepipe::test {

/// One stream entry, field → value.
using entry = std::map<std::string, std::string>;

/// A synchronous Redis client for assertions; throws when Redis does not answer.
class redis_probe {
 public:
  /// Connects to the test stack's Redis.
  redis_probe();
  /// XLEN, -1 when the reply is not a number.
  long long xlen(const std::string& key);
  /// XRANGE key - +: every entry's fields.
  std::vector<entry> entries(const std::string& key);
  /// DEL key.
  void del(const std::string& key);

 private:
  queue::owned_reply run(std::initializer_list<std::string_view> argv);

  queue::blocking_redis redis_;
};

/// Settings pointing at the test stack, with a stream prefix unique to the
/// test ("test:<name>") and listen 127.0.0.1:0.
config::settings test_settings(const std::string& name);

/// An ingest server running in this process.
class ingest_under_test {
 public:
  explicit ingest_under_test(const config::settings& settings);
  ~ingest_under_test();
  std::string url() const { return url_; }
  ingest::runner& runner() { return *runner_; }
  /// The single shard's stream key.
  std::string stream() const { return stream_ + ":{0}"; }

 private:
  std::unique_ptr<ingest::runner> runner_;
  std::string url_;
  std::string stream_;
};

/// Polls until done() or the deadline; true when done() held.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline = std::chrono::seconds(10));

/// A plain TCP connection to ingest at `url` (http://127.0.0.1:PORT), for
/// requests no well-behaved client sends: held open, half sent, trickled.
struct raw_connection {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  explicit raw_connection(const std::string& url);
  void send(const std::string& bytes);
  /// Everything received until the server closes (or 10 s pass).
  std::string answer();
};

/// Raises this process's soft limit on open files to at least `want`
/// (a test holding many connections' two ends); fails the test when the
/// hard limit is lower.
void ensure_fd_limit(std::uint64_t want);

/// File descriptors this process has open now.
std::size_t open_fds();

/// The tracepipe_ingest_connections gauge from ingest's /metrics at `url`
/// (counting the connection that asks, which closes after); -1 when absent.
long metrics_connections(const std::string& url);

/// Sends raw bytes on a fresh connection and returns the status of the
/// answer (0 when the server closed without answering) and its body.
std::pair<unsigned, std::string> raw_exchange(const std::string& url, const std::string& bytes);

}  // namespace tracepipe::test

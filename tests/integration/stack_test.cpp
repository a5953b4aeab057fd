// The stack launcher against the real servers: the fixture's shared stack,
// plus private stacks for the lifecycle and failure paths.
#include "queue/blocking_redis.hpp"
#include "stack/stack.hpp"
#include "tests/support/stack_fixture.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

stack::options in(const std::string& dir, const std::string& s3rver_path = {}) {
  stack::options o;
  o.dir = dir;
  o.s3rver_path = s3rver_path;
  return o;
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

/// The shared stack's Redis; nullopt with *error saying why.
std::optional<queue::blocking_redis> redis_connect(std::string* error) {
  return queue::blocking_redis::connect("127.0.0.1", port_of(stack_env().at("REDIS_URL")), std::chrono::seconds(2),
                                        error);
}

/// One command's reply as a string: status/string/error text, or an array's second element (CONFIG GET).
std::string redis_string(queue::blocking_redis& c, std::initializer_list<std::string_view> argv) {
  auto r = c.command(argv);
  if (!r) return "<no reply: " + std::string(c.error()) + ">";
  std::string out;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) out.assign(r->element[1]->str, r->element[1]->len);
  else if (r->str) out.assign(r->str, r->len);
  return out;
}

struct http_result {
  long status = 0;
  std::string body;
};

/// GET (or POST `post_body` if set; ClickHouse runs GETs read-only), or a signed S3 HEAD.
http_result http(const std::string& url, bool s3_head = false, const std::string* post_body = nullptr) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  http_result r;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* b) {
    static_cast<std::string*>(b)->append(d, s * n);
    return s * n;
  });
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (s3_head) {
    headers.reset(curl_slist_append(nullptr, "x-amz-content-sha256: "
                                             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
    curl_easy_setopt(curl.get(), CURLOPT_USERPWD, "S3RVER:S3RVER");
  }
  if (post_body) curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, post_body->c_str());
  if (curl_easy_perform(curl.get()) == CURLE_OK) curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

std::string clickhouse_query(const std::string& sql) {
  auto r = http(stack_env().at("CLICKHOUSE_URL") + "/", false, &sql);
  return r.status == 200 ? r.body : "<HTTP " + std::to_string(r.status) + "> " + r.body;
}

std::map<std::string, stack::component_status> status_by_name(const std::string& dir) {
  std::map<std::string, stack::component_status> out;
  for (auto& s : stack::status(dir)) out[s.name] = s;
  return out;
}

/// Listening TCP sockets ("addr:port") the process owns, from /proc.
std::set<std::string> listening(int pid) {
  std::set<std::string> inodes, out;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    if (auto target = fs::read_symlink(fd.path()).string(); target.rfind("socket:[", 0) == 0)
      inodes.insert(target.substr(8, target.size() - 9));
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
      f >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (state != "0A" || !inodes.count(inode)) continue;
      auto colon = local.find(':');
      auto port = std::stoi(local.substr(colon + 1), nullptr, 16);
      // /proc shows IPv4 as little-endian hex: 0100007F is 127.0.0.1.
      auto addr = local.substr(0, colon) == "0100007F" ? "127.0.0.1" : local.substr(0, colon);
      out.insert(addr + ":" + std::to_string(port));
    }
  }
  return out;
}

/// No such process, or only its zombie: an external stack's servers are not
/// our children, and a non-reaping init leaves them as zombies.
bool gone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (kill(pid, 0) != 0 || !std::getline(stat, line)) return true;
  return line.substr(line.rfind(')') + 2, 1) == "Z";
}

TEST(Stack, EnvHasEveryKey) {
  const auto& env = stack_env();
  for (const char* key : {"REDIS_URL", "CLICKHOUSE_URL", "CLICKHOUSE_USER", "CLICKHOUSE_TCP_PORT", "S3_ENDPOINT",
                          "S3_BUCKET", "S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                          "TRACEPIPE_STACK_DIR"}) {
    ASSERT_TRUE(env.count(key)) << key;
    EXPECT_FALSE(env.at(key).empty()) << key;
  }
  ASSERT_TRUE(env.count("CLICKHOUSE_PASSWORD"));
  EXPECT_EQ(env.at("CLICKHOUSE_PASSWORD"), "");
  EXPECT_EQ(env.at("CLICKHOUSE_USER"), "default");
  EXPECT_EQ(env.at("S3_BUCKET"), "tracepipe");
  EXPECT_EQ(env.at("S3_REGION"), "us-east-1");
  EXPECT_EQ(env.at("TRACEPIPE_STACK_DIR"), stack_dir());
  EXPECT_TRUE(std::regex_match(env.at("REDIS_URL"), std::regex(R"(redis://127\.0\.0\.1:\d+)")));
  EXPECT_TRUE(std::regex_match(env.at("CLICKHOUSE_URL"), std::regex(R"(http://127\.0\.0\.1:\d+)")));
  EXPECT_TRUE(std::regex_match(env.at("S3_ENDPOINT"), std::regex(R"(http://127\.0\.0\.1:\d+)")));
  EXPECT_EQ(stack::read_env(stack_dir()), env);
}

TEST(Stack, RedisAnswersAndIsDurable) {
  std::string why;
  auto c = redis_connect(&why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(redis_string(*c, {"PING"}), "PONG");
  EXPECT_EQ(redis_string(*c, {"CONFIG", "GET", "appendonly"}), "yes");
  EXPECT_EQ(redis_string(*c, {"CONFIG", "GET", "appendfsync"}), "everysec");
  EXPECT_EQ(redis_string(*c, {"CONFIG", "GET", "maxmemory-policy"}), "noeviction");
  EXPECT_EQ(redis_string(*c, {"CONFIG", "GET", "save"}), "");
  EXPECT_EQ(redis_string(*c, {"CONFIG", "GET", "dir"}), stack_dir() + "/redis");
}

TEST(Stack, ClickHouseAnswersAndIs18) {
  EXPECT_EQ(clickhouse_query("SELECT 1"), "1\n");
  EXPECT_EQ(clickhouse_query("SELECT version()").rfind("18.", 0), 0u) << clickhouse_query("SELECT version()");
  // Data lands under the stack dir, not /var/lib/clickhouse.
  EXPECT_EQ(clickhouse_query("CREATE TABLE IF NOT EXISTS stack_probe (x UInt8) ENGINE = MergeTree ORDER BY x"), "");
  EXPECT_TRUE(fs::exists(fs::path(stack_dir()) / "clickhouse" / "metadata" / "default" / "stack_probe.sql"));
  EXPECT_EQ(clickhouse_query("DROP TABLE stack_probe"), "");
}

TEST(Stack, S3BucketExists) {
  const auto& env = stack_env();
  EXPECT_EQ(http(env.at("S3_ENDPOINT") + "/" + env.at("S3_BUCKET"), true).status, 200);
  EXPECT_EQ(http(env.at("S3_ENDPOINT") + "/no-such-bucket", true).status, 404);
}

TEST(Stack, EachServerListensOnlyOnItsLoopbackPorts) {
  const auto& env = stack_env();
  auto st = status_by_name(stack_dir());
  auto at = [](const std::string& url) { return "127.0.0.1:" + std::to_string(port_of(url)); };
  EXPECT_EQ(listening(st["redis"].pid), std::set<std::string>{at(env.at("REDIS_URL"))});
  EXPECT_EQ(listening(st["clickhouse"].pid),
            (std::set<std::string>{at(env.at("CLICKHOUSE_URL")), at(":" + env.at("CLICKHOUSE_TCP_PORT"))}));
  EXPECT_EQ(listening(st["s3"].pid), std::set<std::string>{at(env.at("S3_ENDPOINT"))});
}

TEST(Stack, StatusShowsThreeAlive) {
  auto st = stack::status(stack_dir());
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].name, "redis");
  EXPECT_EQ(st[1].name, "clickhouse");
  EXPECT_EQ(st[2].name, "s3");
  for (const auto& s : st) {
    EXPECT_TRUE(s.alive) << s.name;
    EXPECT_GT(s.pid, 0) << s.name;
  }
  EXPECT_EQ(st[0].endpoint, stack_env().at("REDIS_URL"));
  EXPECT_EQ(st[1].endpoint, stack_env().at("CLICKHOUSE_URL"));
  EXPECT_EQ(st[2].endpoint, stack_env().at("S3_ENDPOINT"));
}

TEST(Stack, SecondUpReturnsTheRunningStack) {
  auto before = stack::status(stack_dir());
  std::ostringstream out;
  EXPECT_EQ(stack::up(in(stack_dir()), out), stack_env());
  EXPECT_NE(out.str().find("already up"), std::string::npos) << out.str();
  auto after = stack::status(stack_dir());
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].pid, before[i].pid) << after[i].name;
}

TEST(Stack, RestartedRedisKeepsPortAndData) {
  std::string why;
  auto c = redis_connect(&why);
  ASSERT_TRUE(c) << why;
  ASSERT_EQ(redis_string(*c, {"SET", "stack_test:key", "kept"}), "OK");
  c.reset();
  auto old_pid = status_by_name(stack_dir())["redis"].pid;

  std::ostringstream out;
  stack::stop_component(stack_dir(), "redis", out);
  // Whatever fails below, later tests need redis back.
  std::shared_ptr<void> restore(nullptr, [&](void*) {
    if (!status_by_name(stack_dir())["redis"].alive) stack::start_component(stack_dir(), "redis", out);
  });
  auto st = status_by_name(stack_dir());
  EXPECT_FALSE(st["redis"].alive);
  EXPECT_TRUE(st["clickhouse"].alive);
  EXPECT_TRUE(st["s3"].alive);
  EXPECT_TRUE(gone(old_pid));
  try {
    stack::up(in(stack_dir()), out);
    ADD_FAILURE() << "up on a partly running stack must throw";
  } catch (const stack::error& e) {
    EXPECT_NE(std::string(e.what()).find("redis"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("down"), std::string::npos) << e.what();
  }

  stack::start_component(stack_dir(), "redis", out);
  st = status_by_name(stack_dir());
  EXPECT_TRUE(st["redis"].alive);
  EXPECT_NE(st["redis"].pid, old_pid);
  EXPECT_EQ(st["redis"].endpoint, stack_env().at("REDIS_URL"));
  c = redis_connect(&why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(redis_string(*c, {"GET", "stack_test:key"}), "kept");
  redis_string(*c, {"DEL", "stack_test:key"});
}

/// A private dir under /tmp, removed at scope exit.
struct temp_dir {
  std::string path;
  temp_dir() {
    path = (fs::temp_directory_path() / "tracepipe-stack-test-XXXXXX").string();
    if (!mkdtemp(path.data())) throw std::runtime_error("mkdtemp failed");
  }
  ~temp_dir() {
    std::ostringstream ignored;
    stack::down(path, ignored);
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

TEST(StackLifecycle, DownStopsEveryProcessUpStarted) {
  temp_dir dir;
  std::ostringstream out;
  auto env = stack::up(in(dir.path), out);
  EXPECT_EQ(env.at("TRACEPIPE_STACK_DIR"), fs::canonical(dir.path).string());
  std::vector<int> pids;
  for (const auto& s : stack::status(dir.path)) {
    EXPECT_TRUE(s.alive) << s.name;
    pids.push_back(s.pid);
  }
  ASSERT_EQ(pids.size(), 3u);
  stack::down(dir.path, out);
  for (int pid : pids) EXPECT_TRUE(gone(pid)) << pid;
  EXPECT_FALSE(fs::exists(fs::path(dir.path) / "stack.env"));
  for (const auto& s : stack::status(dir.path)) EXPECT_FALSE(s.alive) << s.name;
  stack::down(dir.path, out);  // a second down is harmless
}

TEST(StackLifecycle, FailedComponentIsNamedAndTheOthersAreStopped) {
  temp_dir dir;
  auto fake = fs::path(dir.path) / "fake-s3rver";
  std::ofstream(fake) << "#!/bin/sh\necho fake-s3rver-refuses-to-start >&2\nexit 3\n";
  fs::permissions(fake, fs::perms::owner_all);
  std::ostringstream out;
  try {
    stack::up(in(dir.path, fake.string()), out);
    FAIL() << "up must fail when s3rver exits";
  } catch (const stack::error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("s3 (pid", 0), 0u) << what;
    EXPECT_NE(what.find("fake-s3rver-refuses-to-start"), std::string::npos) << what;
  }
  // The log names every pid up started; none may survive.
  std::smatch m;
  std::string log = out.str();
  int started = 0;
  for (std::regex re(R"(started (\w+) \(pid (\d+)\))"); std::regex_search(log, m, re); log = m.suffix()) {
    ++started;
    EXPECT_TRUE(gone(std::stoi(m[2]))) << m[1];
  }
  EXPECT_EQ(started, 3) << out.str();
  EXPECT_FALSE(fs::exists(fs::path(dir.path) / "stack.env"));
}

TEST(StackLifecycle, ComponentMissingTheDeadlineIsNamedAndStopped) {
  temp_dir dir;
  auto mute = fs::path(dir.path) / "mute-s3rver";
  std::ofstream(mute) << "#!/bin/sh\nexec sleep 600\n";
  fs::permissions(mute, fs::perms::owner_all);
  auto opts = in(dir.path, mute.string());
  opts.deadline = std::chrono::seconds(2);
  std::ostringstream out;
  try {
    stack::up(opts, out);
    FAIL() << "up must fail when s3 never answers";
  } catch (const stack::error& e) {
    EXPECT_NE(std::string(e.what()).find("s3 (pid"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("within 2 s"), std::string::npos) << e.what();
  }
  std::smatch m;
  std::string log = out.str();
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(started s3 \(pid (\d+)\))"))) << log;
  EXPECT_TRUE(gone(std::stoi(m[1])));
}

TEST(StackLifecycle, MissingS3rverPointsToSetup) {
  temp_dir dir;
  std::ostringstream out;
  try {
    stack::up(in(dir.path, dir.path + "/nowhere/s3rver"), out);
    FAIL() << "up must fail without s3rver";
  } catch (const stack::error& e) {
    EXPECT_NE(std::string(e.what()).find("tools/setup.sh"), std::string::npos) << e.what();
  }
  for (const auto& s : stack::status(dir.path)) EXPECT_EQ(s.pid, 0) << s.name;
}

}  // namespace
}  // namespace tracepipe::test

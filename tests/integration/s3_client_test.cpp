// The S3 client against the stack's real s3rver: round trips of binary
// bodies, overwrites, S3 errors and an outage. s3rver does not verify
// signatures (the unit tests check those against AWS's examples).
#include "s3/client.hpp"
#include "stack/stack.hpp"
#include "tests/support/stack_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>

namespace tracepipe::test {
namespace {

s3::client_settings stack_settings() {
  const auto& env = stack_env();
  s3::client_settings s;
  s.endpoint = env.at("S3_ENDPOINT");
  s.bucket = env.at("S3_BUCKET");
  s.region = env.at("S3_REGION");
  s.access_key = env.at("AWS_ACCESS_KEY_ID");
  s.secret_key = env.at("AWS_SECRET_ACCESS_KEY");
  s.timeout = std::chrono::seconds(10);
  return s;
}

/// Keys unique to this process and test, so reruns on a shared stack never collide.
std::string key_prefix(const std::string& test) {
  return "s3_client_test/" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "/" + test + "/";
}

/// `size` pseudo-random bytes, NULs and high bytes included.
std::string binary_bytes(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  if (size > 0) out[size / 2] = '\0';
  return out;
}

std::string failures(const std::vector<s3::reply>& results) {
  std::string out;
  for (std::size_t i = 0; i < results.size(); ++i)
    if (!results[i].ok) out += "#" + std::to_string(i) + ": " + results[i].error + "\n";
  return out;
}

/// A curl error of the transport, not of HTTP: refused, or reset when the
/// dying server still held the socket (node exits thread by thread).
bool connection_error(const std::string& error) {
  for (const char* what : {"connect", "Connection", "Recv failure", "Send failure", "Empty reply"})
    if (error.find(what) != std::string::npos) return true;
  return false;
}

TEST(S3Client, PutsManyBinaryObjectsAndReadsThemBack) {
  s3::client writer(stack_settings());
  const auto prefix = key_prefix("many");
  constexpr std::size_t n = 200, max_size = 2 << 20;
  std::vector<std::string> bodies;
  std::vector<s3::object> objects;
  for (std::size_t i = 0; i < n; ++i) {
    // 0 B, then sizes growing quadratically up to exactly 2 MiB.
    bodies.push_back(binary_bytes(i * i * max_size / ((n - 1) * (n - 1)), static_cast<unsigned>(i)));
  }
  for (std::size_t i = 0; i < n; ++i) objects.push_back({prefix + "obj-" + std::to_string(i) + ".bin", bodies[i], ""});
  ASSERT_EQ(bodies.front().size(), 0u);
  ASSERT_EQ(bodies.back().size(), max_size);

  auto results = writer.put_all(objects);
  ASSERT_EQ(results.size(), n);
  EXPECT_EQ(failures(results), "");
  for (const auto& r : results) {
    EXPECT_EQ(r.http_status, 200);
    EXPECT_GT(r.latency.count(), 0);
  }
  std::size_t identical = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::string error;
    auto got = writer.get(objects[i].key, &error);
    ASSERT_TRUE(got) << objects[i].key << ": " << error;
    EXPECT_EQ(got->size(), bodies[i].size()) << objects[i].key;
    identical += *got == bodies[i];
  }
  EXPECT_EQ(identical, n);
  // All at once, as a worker fetches what ingest stored: same order, a missing key failing alone.
  std::vector<std::string> keys;
  for (const auto& o : objects) keys.push_back(o.key);
  keys.insert(keys.begin() + 3, prefix + "never-put");
  auto fetched = writer.get_all(keys);
  ASSERT_EQ(fetched.size(), n + 1);
  EXPECT_FALSE(fetched[3].reply.ok);
  EXPECT_EQ(fetched[3].reply.http_status, 404);
  std::size_t same = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = fetched[i < 3 ? i : i + 1];
    same += f.reply.ok && f.body == bodies[i];
  }
  EXPECT_EQ(same, n);
}

TEST(S3Client, RePutOverwrites) {
  s3::client writer(stack_settings());
  const auto key = key_prefix("overwrite") + "blob.json";
  const std::string first = "{\"v\":1}", second = binary_bytes(5000, 7);
  ASSERT_EQ(failures(writer.put_all({{key, first, "application/json"}})), "");
  EXPECT_EQ(writer.get(key), first);
  ASSERT_EQ(failures(writer.put_all({{key, second, ""}})), "");
  EXPECT_EQ(writer.get(key), second);
}

TEST(S3Client, MissingKeyIsNulloptWithNoSuchKey) {
  s3::client writer(stack_settings());
  std::string error;
  EXPECT_EQ(writer.get(key_prefix("missing") + "nothing-here", &error), std::nullopt);
  EXPECT_NE(error.find("404"), std::string::npos) << error;
  EXPECT_NE(error.find("NoSuchKey"), std::string::npos) << error;
}

TEST(S3Client, MissingBucketFailsEveryPutClearly) {
  auto settings = stack_settings();
  settings.bucket = "tracepipe-no-such-bucket";
  s3::client writer(settings);
  const std::string body = "payload";
  std::vector<s3::object> objects;
  for (int i = 0; i < 5; ++i) objects.push_back({"k" + std::to_string(i), body, ""});
  std::vector<s3::reply> results;
  ASSERT_NO_THROW(results = writer.put_all(objects));
  ASSERT_EQ(results.size(), objects.size());
  for (const auto& r : results) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.http_status, 404);
    EXPECT_NE(r.error.find("NoSuchBucket"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(settings.secret_key), std::string::npos) << r.error;
  }
}

TEST(S3Client, EmptyKeyIsRefusedWithoutARequest) {
  s3::client writer(stack_settings());
  auto results = writer.put_all({{"", "x", ""}, {key_prefix("empty-key") + "ok", "y", ""}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_EQ(results[0].http_status, 0);
  EXPECT_NE(results[0].error.find("empty"), std::string::npos) << results[0].error;
  EXPECT_TRUE(results[1].ok) << results[1].error;
}

TEST(S3Client, ReferenceNamesBucketAndKey) {
  s3::client writer(stack_settings());
  EXPECT_EQ(writer.reference("runs/1/inputs.json"), "s3://" + stack_env().at("S3_BUCKET") + "/runs/1/inputs.json");
}

TEST(S3Client, BadSettingsThrowNamingTheSetting) {
  auto s = stack_settings();
  s.endpoint = "127.0.0.1:9000";
  EXPECT_THROW(s3::client{s}, std::invalid_argument);
  s = stack_settings();
  s.bucket.clear();
  EXPECT_THROW(s3::client{s}, std::invalid_argument);
  s = stack_settings();
  s.max_concurrency = 0;
  EXPECT_THROW(s3::client{s}, std::invalid_argument);
}

TEST(S3Client, S3DownFailsPutsThenTheSameWriterRecovers) {
  s3::client writer(stack_settings());
  const auto prefix = key_prefix("outage");
  const std::string body = binary_bytes(10000, 3);
  auto batch = [&](const std::string& tag) {
    std::vector<s3::object> objects;
    for (int i = 0; i < 8; ++i) objects.push_back({prefix + tag + std::to_string(i), body, ""});
    return objects;
  };
  // Warm the connection cache, so the outage also hits kept-alive connections.
  ASSERT_EQ(failures(writer.put_all(batch("before"))), "");

  stack::stop_component(stack_dir(), "s3", std::cerr);
  // Whatever fails below, later tests need S3 back.
  bool restarted = false;
  std::shared_ptr<void> restore(nullptr, [&](void*) {
    if (!restarted) stack::start_component(stack_dir(), "s3", std::cerr);
  });
  auto down = writer.put_all(batch("during"));
  ASSERT_EQ(down.size(), 8u);
  for (const auto& r : down) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_TRUE(connection_error(r.error)) << r.error;
  }

  stack::start_component(stack_dir(), "s3", std::cerr);
  restarted = true;
  auto objects = batch("after");
  EXPECT_EQ(failures(writer.put_all(objects)), "");
  EXPECT_EQ(writer.get(objects[0].key), body);
}

TEST(S3Client, AGiveUpEndsTheCallWithoutWaitingOutTheTimeouts) {
  // A paused S3 (SIGSTOP) accepts connections and never answers: without
  // give_up, 40 PUTs at 16 at a time would take three 10 s timeouts.
  s3::client writer(stack_settings());
  const auto prefix = key_prefix("give-up");
  const std::string body = binary_bytes(1000, 5);
  std::vector<s3::object> objects;
  for (int i = 0; i < 40; ++i) objects.push_back({prefix + std::to_string(i), body, ""});
  stack::pause_component(stack_dir(), "s3", true, std::cerr);
  std::shared_ptr<void> resume(nullptr, [&](void*) { stack::pause_component(stack_dir(), "s3", false, std::cerr); });
  auto started = std::chrono::steady_clock::now();
  auto asked = 0;
  auto results = writer.put_all(objects, [&] {
    ++asked;
    return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(1500);
  });
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(9)) << "ended before even one request timeout (10 s)";
  EXPECT_GE(asked, 1);
  ASSERT_EQ(results.size(), objects.size());
  for (const auto& r : results) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "given up before S3 answered (the caller stopped waiting)");
  }
  resume.reset();
  EXPECT_EQ(failures(writer.put_all(objects)), "") << "the same writer works once S3 is back";
}

}  // namespace
}  // namespace tracepipe::test

// API keys against the real ingest and Redis: hashed keys, project binding
// (403 and nothing enqueued when a bound key names another project), and the
// fields only the server sets.
#include <gtest/gtest.h>

#include <chrono>

#include "config/api_keys.hpp"
#include "ingest/api_keys.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"

namespace tracepipe::test {
namespace {

using headers = std::map<std::string, std::string>;

config::settings with_keys(const std::string& name, const std::string& entries) {
  auto s = test_settings(name);
  EXPECT_FALSE(config::parse_api_keys(entries, s.ingest.api_keys));
  return s;
}

headers json_with_key(const std::string& key) { return {{"content-type", "application/json"}, {"x-api-key", key}}; }

std::string batch(const std::vector<std::string>& posts) {
  std::string out = R"({"post":[)";
  for (std::size_t i = 0; i < posts.size(); ++i) out += (i ? "," : "") + posts[i];
  return out + "]}";
}

/// A post without session_name: the run names no project.
std::string unnamed(std::string post) {
  auto at = post.find(R"(,"session_name":")");
  auto end = post.find('"', at + 17);
  return post.erase(at, end + 1 - at);
}

TEST(IngestAuth, HashedKeysAcceptTheKeyNotItsHash) {
  ingest_under_test ingest(with_keys("auth_hash", ingest::api_key_entry("key-one") + "," +
                                                      ingest::api_key_entry("key-two") + "@team-a"));
  loadgen::http_client client(ingest.url());
  auto run = loadgen::run_factory(1).trace({1, 10, "p"})[0].post_json();
  auto wrong = client.request("POST", "/runs", run, json_with_key("key-three"));
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  auto hash = client.request("POST", "/runs", run, json_with_key(ingest::api_key_entry("key-one")));
  EXPECT_EQ(hash.status, 401u) << hash.body;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
  auto right = client.request("POST", "/runs", run, json_with_key("key-one"));
  EXPECT_EQ(right.status, 202u) << right.body;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 1);
  auto entries = redis_probe().entries(ingest.stream());
  EXPECT_EQ(entries.at(0).at("project"), "p") << "an unbound key keeps the payload's project";
}

TEST(IngestAuth, BoundKeyNamingAnotherProjectIs403AndEnqueuesNothing) {
  ingest_under_test ingest(with_keys("auth_bound", ingest::api_key_entry("key-a") + "@team-a"));
  loadgen::http_client client(ingest.url());
  auto mine = loadgen::run_factory(2).trace({1, 10, "team-a"})[0].post_json();
  auto theirs = loadgen::run_factory(3).trace({1, 10, "team-b"})[0].post_json();
  auto refused = client.request("POST", "/runs/batch", batch({mine, theirs}), json_with_key("key-a"));
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_NE(refused.body.find("project_forbidden"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("team-b"), std::string::npos) << refused.body;
  auto single = client.request("POST", "/runs", theirs, json_with_key("key-a"));
  EXPECT_EQ(single.status, 403u) << single.body;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
}

TEST(IngestAuth, BoundKeysRunsLandInTheBoundProject) {
  ingest_under_test ingest(with_keys("auth_lands", ingest::api_key_entry("key-a") + "@team-a"));
  loadgen::http_client client(ingest.url());
  auto named = loadgen::run_factory(4).trace({1, 10, "team-a"})[0].post_json();
  auto none = unnamed(loadgen::run_factory(5).trace({1, 10, "x"})[0].post_json());
  auto ok = client.request("POST", "/runs/batch", batch({named, none}), json_with_key("key-a"));
  EXPECT_EQ(ok.status, 202u) << ok.body;
  auto entries = redis_probe().entries(ingest.stream());
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) EXPECT_EQ(e.at("project"), "team-a");
}

TEST(IngestAuth, ServerOwnedFieldsCannotBeSetByThePayload) {
  ingest_under_test ingest(test_settings("auth_owned"));
  loadgen::http_client client(ingest.url());
  auto post = unnamed(loadgen::run_factory(6).trace({1, 10, "x"})[0].post_json());
  post.pop_back();
  post += R"(,"received_at_us":1,"received_at":"2001-01-01T00:00:00Z","project":"evil","tenant":"evil",)"
          R"("kind":"patch","bytes":1,"enqueued_at_us":1})";
  auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto ok = client.request("POST", "/runs", post, {{"content-type", "application/json"}});
  ASSERT_EQ(ok.status, 202u) << ok.body;
  auto entries = redis_probe().entries(ingest.stream());
  ASSERT_EQ(entries.size(), 1u);
  const auto& e = entries[0];
  EXPECT_GE(std::stoll(e.at("received_at_us")), before);
  EXPECT_EQ(e.at("project"), "default");
  EXPECT_EQ(e.count("tenant"), 0u);
  EXPECT_EQ(e.at("kind"), "post");
  EXPECT_NE(e.at("bytes"), "1");
}

}  // namespace
}  // namespace tracepipe::test

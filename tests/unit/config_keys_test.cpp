// The key table: every key documented, its default parsing, its values validated and stored.
#include "config/keys.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config_test_support.hpp"

namespace tracepipe::config {
namespace {

using namespace std::chrono_literals;
using namespace config_test;

TEST(keys, every_key_is_documented_and_its_default_parses) {
  ASSERT_FALSE(keys().empty());
  std::set<std::string> names, flags, envs;
  for (const auto& k : keys()) {
    SCOPED_TRACE(k.name);
    EXPECT_FALSE(k.help.empty());
    EXPECT_FALSE(k.unit.empty());
    EXPECT_TRUE(k.flag.starts_with("--")) << k.flag;
    EXPECT_GT(k.flag.size(), 2u);
    EXPECT_NE(k.flag, "--config");
    EXPECT_NE(k.flag, "--stack");
    EXPECT_NE(k.flag, "--help");
    EXPECT_TRUE(k.name.starts_with(std::string(section_name(k.group)) + ".")) << k.name;
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate name " << k.name;
    EXPECT_TRUE(flags.insert(k.flag).second) << "duplicate flag " << k.flag;
    EXPECT_TRUE(envs.insert(k.env_name()).second) << "duplicate env " << k.env_name();
    for (const auto& alias : k.env_aliases) EXPECT_TRUE(envs.insert(alias).second) << "duplicate env " << alias;
    ASSERT_TRUE(k.apply);
    settings s{};
    auto problem = k.apply(s, k.default_text);
    EXPECT_FALSE(problem) << "default '" << k.default_text << "': " << problem.value_or("");
    EXPECT_EQ(find_key(k.name), &k);
  }
  EXPECT_EQ(keys().size(), 77u);
}

TEST(keys, readmes_configuration_table_lists_every_key) {
  std::ifstream in(std::string(TRACEPIPE_SOURCE_DIR) + "/README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(readme.empty());
  for (const auto& k : keys())
    EXPECT_NE(readme.find("| `" + k.name + "` | `" + k.flag + "` |"), std::string::npos)
        << k.name << ": README's table (paste `tracepipe config`'s output there)";
}

TEST(keys, env_name_and_find_key) {
  ASSERT_NE(find_key("ingest.body_limit"), nullptr);
  EXPECT_EQ(find_key("ingest.body_limit")->env_name(), "TRACEPIPE_INGEST_BODY_LIMIT");
  EXPECT_EQ(find_key("ingest.body_limit")->flag, "--body-limit");
  EXPECT_EQ(find_key("redis.url")->env_name(), "TRACEPIPE_REDIS_URL");
  EXPECT_EQ(find_key("redis.url")->env_aliases, std::vector<std::string>{"REDIS_URL"});
  EXPECT_TRUE(find_key("redis.url")->secret);
  EXPECT_TRUE(find_key("ingest.api_keys")->secret);
  EXPECT_FALSE(find_key("ingest.body_limit")->secret);
  EXPECT_EQ(find_key("ingest.bodylimit"), nullptr);
  EXPECT_EQ(find_key(""), nullptr);
  EXPECT_EQ(find_key("ingest"), nullptr);
  EXPECT_EQ(find_key("INGEST.BODY_LIMIT"), nullptr);
}

TEST(defaults, equal_the_documented_defaults) {
  auto s = defaults();
  EXPECT_EQ(s.redis.url, "redis://127.0.0.1:6379");
  EXPECT_EQ(s.redis.stream, "tracepipe:runs");
  EXPECT_EQ(s.redis.shards, 1);
  EXPECT_EQ(s.redis.command_timeout, 2s);
  EXPECT_EQ(s.redis.reconnect_delay, 200ms);
  EXPECT_EQ(s.redis.depth_interval, 100ms);
  EXPECT_EQ(s.ingest.listen, "127.0.0.1:8080");
  EXPECT_FALSE(s.ingest.reuse_port);
  EXPECT_EQ(s.ingest.threads, 1);
  EXPECT_EQ(s.ingest.body_limit, 25 * MiB);
  EXPECT_EQ(s.ingest.decompressed_limit, 100 * MiB);
  EXPECT_EQ(s.ingest.header_limit, 16 * KiB);
  EXPECT_EQ(s.ingest.max_runs_per_request, 10'000u);
  EXPECT_EQ(s.ingest.max_parts, 100'000u);
  EXPECT_EQ(s.ingest.json_depth, 64u);
  EXPECT_EQ(s.ingest.read_timeout, 30s);
  EXPECT_EQ(s.ingest.idle_timeout, 60s);
  EXPECT_EQ(s.ingest.queue_high_watermark, 1'000'000u);
  EXPECT_EQ(s.ingest.inflight_high_watermark, 512 * MiB);
  EXPECT_EQ(s.ingest.max_connections, 10'000u);
  EXPECT_EQ(s.ingest.retry_after_s, 1);
  EXPECT_TRUE(s.ingest.api_keys.empty());
  EXPECT_EQ(s.ingest.default_project, "default");
  EXPECT_EQ(s.clickhouse.ca_file, "");  // the system CA store
  EXPECT_EQ(s.s3.ca_file, "");
}

struct value_case {
  std::string key;
  std::string text;
  bool valid;
};

TEST(keys, apply_validates_each_kind_of_value) {
  const value_case cases[] = {
      {"redis.url", "redis://:pw@host:1/2", true},
      {"redis.url", "http://host:6379", false},
      {"redis.url", "", false},
      {"redis.stream", "x", true},
      {"redis.stream", "", false},
      {"redis.shards", "1", true},
      {"redis.shards", "1024", true},
      {"redis.shards", "0", false},
      {"redis.shards", "1025", false},
      {"redis.shards", "two", false},
      {"redis.command_timeout", "1ms", true},
      {"redis.command_timeout", "0s", false},
      {"redis.command_timeout", "soon", false},
      {"ingest.listen", "0.0.0.0:0", true},
      {"ingest.listen", "[::1]:8080", true},
      {"ingest.listen", "8080", false},
      {"ingest.listen", ":8080", false},
      {"ingest.listen", "host:", false},
      {"ingest.listen", "host:65536", false},
      {"ingest.listen", "host:-1", false},
      {"ingest.threads", "256", true},
      {"ingest.threads", "257", false},
      {"ingest.body_limit", "1", true},
      {"ingest.body_limit", "0", false},
      {"ingest.body_limit", "lots", false},
      {"ingest.header_limit", "1024", true},
      {"ingest.header_limit", "1023", false},
      {"ingest.json_depth", "2", true},
      {"ingest.json_depth", "1", false},
      {"ingest.json_depth", "1025", false},
      {"ingest.retry_after", "0", true},
      {"ingest.retry_after", "3600", true},
      {"ingest.retry_after", "3601", false},
      {"ingest.retry_after", "-1", false},
      {"ingest.api_keys", "", true},
      {"ingest.api_keys", "a,b", false},
      {"ingest.api_keys", hash_a + "," + hash_b + "@proj", true},
      {"ingest.default_project", "", false},
      {"ingest.default_project", "p", true},
  };
  for (const auto& c : cases) {
    const key* k = find_key(c.key);
    ASSERT_NE(k, nullptr) << c.key;
    settings s = defaults();
    auto problem = k->apply(s, c.text);
    EXPECT_EQ(!problem, c.valid) << c.key << " = '" << c.text << "': " << problem.value_or("accepted");
    if (problem) {
      EXPECT_FALSE(problem->empty());
    }
  }
}

TEST(keys, redis_url_is_validated_as_a_whole) {
  for (std::string_view url : {"redis://", "redis://host:notaport", "redis://host/x", "redis://host:0"}) {
    settings s = defaults();
    EXPECT_TRUE(find_key("redis.url")->apply(s, url)) << url;
  }
}

TEST(keys, apply_stores_the_typed_value) {
  settings s = defaults();
  EXPECT_FALSE(find_key("redis.shards")->apply(s, "8"));
  EXPECT_FALSE(find_key("redis.command_timeout")->apply(s, "1.5s"));
  EXPECT_FALSE(find_key("worker.reclaim_idle")->apply(s, "1m30s"));
  EXPECT_FALSE(find_key("ingest.body_limit")->apply(s, "1MiB"));
  EXPECT_FALSE(find_key("ingest.api_keys")->apply(s, " " + hash_a + " ," + hash_b + ","));
  EXPECT_FALSE(find_key("ingest.listen")->apply(s, "0.0.0.0:0"));
  EXPECT_FALSE(find_key("ingest.queue_high_watermark")->apply(s, "1000000000000"));
  EXPECT_EQ(s.redis.shards, 8);
  EXPECT_EQ(s.redis.command_timeout, 1500ms);
  EXPECT_EQ(s.worker.reclaim_idle, 90s);
  EXPECT_EQ(s.ingest.body_limit, MiB);
  EXPECT_EQ(s.ingest.api_keys, (std::vector<api_key>{key_a, key_b}));
  EXPECT_EQ(s.ingest.listen, "0.0.0.0:0");
  EXPECT_EQ(s.ingest.queue_high_watermark, 1'000'000'000'000u);
}

TEST(keys, ca_file_is_empty_or_a_readable_file_of_pem_certificates) {
  temp_dir dir;
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
  const auto bundle = dir.write("bundle.pem", "# private CA\n" + pem + pem);
  const auto trusted = dir.write("trusted.pem", "-----BEGIN TRUSTED CERTIFICATE-----\nMIIB\n-----END TRUSTED CERTIFICATE-----\n");
  const auto key_only = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const auto der = dir.write("ca.der", std::string("\x30\x82\x01\xb3", 4));
  const auto empty = dir.write("empty.pem", "");
  struct ca_case {
    std::string text;
    std::string problem_has;  ///< empty: accepted
  };
  const ca_case cases[] = {
      {"", ""},
      {bundle, ""},
      {trusted, ""},
      {dir.path() + "/missing.pem", "No such file or directory"},
      {dir.path(), "directory"},
      {key_only, "no PEM certificate"},
      {der, "no PEM certificate"},
      {empty, "no PEM certificate"},
  };
  for (const char* name : {"clickhouse.ca_file", "s3.ca_file"}) {
    ASSERT_NE(find_key(name), nullptr) << name;
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(name) + " = '" + c.text + "'");
      settings s = defaults();
      auto problem = find_key(name)->apply(s, c.text);
      if (c.problem_has.empty()) {
        EXPECT_FALSE(problem) << *problem;
        EXPECT_EQ(std::string(name) == "s3.ca_file" ? s.s3.ca_file : s.clickhouse.ca_file, c.text);
      } else {
        ASSERT_TRUE(problem);
        EXPECT_TRUE(problem->find(c.problem_has) != std::string::npos) << *problem;
      }
    }
  }
}

}  // namespace
}  // namespace tracepipe::config

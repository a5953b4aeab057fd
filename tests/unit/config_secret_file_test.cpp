// Secrets given as file:PATH: read at load, from any source; errors name the
// key and the path, never the content; --help never shows a secret.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace tracepipe::config {
namespace {

namespace fs = std::filesystem;

const std::string planted = "PLANTED-s3cr3t-9f2c";

struct secret_file {
  fs::path path = fs::temp_directory_path() / ("tracepipe_secret_" + std::to_string(::getpid()) + "_" +
                                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  explicit secret_file(const std::string& content) { std::ofstream(path) << content; }
  ~secret_file() { fs::remove(path); }
  std::string ref() const { return "file:" + path.string(); }
};

settings load(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  CLI::App app;
  loader l;
  l.add_flags(app, {section::redis, section::ingest, section::clickhouse, section::s3});
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return l.load([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string load_error(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  try {
    load(std::move(args), env);
  } catch (const error& e) {
    return e.what();
  }
  ADD_FAILURE() << "load() did not throw";
  return "";
}

TEST(secret_file, is_read_from_flags_and_env_without_its_final_newline) {
  secret_file password(planted + "\n");
  secret_file aws(planted + "-aws\r\n");
  secret_file redis("redis://:" + planted + "@127.0.0.1:6379\n");
  auto s = load({"--clickhouse-password", password.ref()},
                {{"AWS_SECRET_ACCESS_KEY", aws.ref()}, {"TRACEPIPE_REDIS_URL", redis.ref()}});
  EXPECT_EQ(s.clickhouse.password, planted);
  EXPECT_EQ(s.s3.secret_key, planted + "-aws");
  EXPECT_EQ(s.redis.url, "redis://:" + planted + "@127.0.0.1:6379");
}

TEST(secret_file, api_keys_file_holds_one_entry_per_line) {
  secret_file keys("sha256:" + std::string(64, 'a') + "\nsha256:" + std::string(64, 'b') + "@team\n");
  auto s = load({"--api-keys", keys.ref()});
  ASSERT_EQ(s.ingest.api_keys.size(), 2u);
  EXPECT_EQ(s.ingest.api_keys[1].project, "team");
}

TEST(secret_file, only_secret_keys_read_files) {
  auto s = load({"--default-project", "file:/etc/hostname"});
  EXPECT_EQ(s.ingest.default_project, "file:/etc/hostname");
}

TEST(secret_file, a_missing_file_names_key_and_path) {
  auto message = load_error({"--clickhouse-password", "file:/nonexistent/tracepipe/pw"});
  EXPECT_NE(message.find("clickhouse.password"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/tracepipe/pw"), std::string::npos) << message;
  EXPECT_NE(message.find("flag --clickhouse-password"), std::string::npos) << message;
}

TEST(secret_file, an_invalid_content_is_not_echoed) {
  secret_file bad_url("http://:" + planted + "@nowhere");
  auto message = load_error({}, {{"REDIS_URL", bad_url.ref()}});
  EXPECT_NE(message.find("redis.url"), std::string::npos) << message;
  EXPECT_EQ(message.find(planted), std::string::npos) << message;
  secret_file plain_key(planted);
  message = load_error({"--api-keys", plain_key.ref()});
  EXPECT_NE(message.find("entry 1"), std::string::npos) << message;
  EXPECT_EQ(message.find(planted), std::string::npos) << message;
}

TEST(secret_file, help_shows_no_secret_and_says_file_is_possible) {
  CLI::App app;
  loader l;
  l.add_flags(app, {section::redis, section::ingest, section::clickhouse, section::s3});
  std::vector<std::string> args{"--clickhouse-password", planted, "--s3-secret-key", planted};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  auto help = app.help();
  EXPECT_EQ(help.find(planted), std::string::npos);
  EXPECT_NE(help.find("file:PATH"), std::string::npos);
}

}  // namespace
}  // namespace tracepipe::config

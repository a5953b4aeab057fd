// A planted secret, given every way a secret can be given, never appears in
// what tracepipe prints: help, `tracepipe config`, config errors, the log of
// a running ingest whose Redis refuses the password, a load's output and
// summary.json / report.html.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "child_process.hpp"
#include "ingest/api_keys.hpp"
#include "ingest_harness.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

const std::string planted = "PLANTED-s3cr3t-4e1a";

struct scratch {
  fs::path dir = fs::temp_directory_path() / ("tracepipe-secrets-" + std::to_string(::getpid()));
  scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
};

/// Every secret, planted in the environment and in files.
std::string planted_env(const fs::path& dir) {
  std::ofstream(dir / "pw") << planted << "\n";
  return "TRACEPIPE_CLICKHOUSE_PASSWORD=" + planted + " AWS_SECRET_ACCESS_KEY=" + planted +
         " AWS_ACCESS_KEY_ID=" + planted + " TRACEPIPE_API_KEY=" + planted + " TRACEPIPE_S3_SECRET_KEY=file:" +
         (dir / "pw").string() + " ";
}

/// Output (stdout and stderr) of a tracepipe command line run with the planted environment.
std::string output_of(const fs::path& dir, const std::string& args) {
  auto out = dir / "out.txt";
  std::system((planted_env(dir) + TRACEPIPE_BINARY + " " + args + " > " + out.string() + " 2>&1").c_str());
  return slurp(out);
}

TEST(SecretLeak, HelpConfigAndErrorsNeverPrintASecret) {
  scratch s;
  for (const char* args : {"--help", "config", "ingest --help", "worker --help", "serve --help", "load --help",
                           "send --help", "lag --help", "key hash --help"}) {
    auto said = output_of(s.dir, args);
    EXPECT_FALSE(said.empty()) << args;
    EXPECT_EQ(said.find(planted), std::string::npos) << args << ":\n" << said;
  }
  const std::vector<std::string> bad_configs{"ingest --redis-url 'redis://:" + planted + "@'",
                                             "ingest --api-keys " + planted,
                                             "worker --clickhouse-url ftp://x --clickhouse-password " + planted,
                                             "worker --s3-endpoint ftp://x"};
  for (const auto& args : bad_configs) {
    auto said = output_of(s.dir, args);
    EXPECT_NE(said.find("config key"), std::string::npos) << args << ":\n" << said;
    EXPECT_EQ(said.find(planted), std::string::npos) << args << ":\n" << said;
  }
}

TEST(SecretLeak, IngestLogOfARefusedRedisPasswordDoesNotShowIt) {
  scratch s;
  auto redis = stack_env().at("REDIS_URL");  // redis://127.0.0.1:PORT, no password on the test stack
  auto with_password = "redis://:" + planted + "@" + redis.substr(std::string("redis://").size());
  std::ofstream(s.dir / "redis_url") << with_password << "\n";
  auto log = s.dir / "ingest.log";
  child_process ingest({TRACEPIPE_BINARY, "ingest", "--listen", "127.0.0.1:0", "--redis-url",
                        "file:" + (s.dir / "redis_url").string(), "--api-keys", ingest::api_key_entry(planted)},
                       log.string());
  EXPECT_TRUE(eventually([&] { return slurp(log).find("login refused") != std::string::npos; })) << slurp(log);
  ingest.terminate();
  EXPECT_EQ(slurp(log).find(planted), std::string::npos) << slurp(log);
}

TEST(SecretLeak, LoadOutputAndReportsDoNotShowTheApiKey) {
  scratch s;
  auto settings = test_settings("secret_leak_load");
  settings.ingest.api_keys = {{ingest::api_key_entry(planted).substr(7), ""}};
  ingest_under_test ingest(settings);
  auto out = s.dir / "load";
  auto said = output_of(s.dir, "load --quiet --target " + ingest.url() + " --rate 50 --duration 1s --out " +
                                   out.string());
  EXPECT_EQ(said.find(planted), std::string::npos) << said;
  ASSERT_TRUE(fs::exists(out / "summary.json")) << said;
  for (const auto& f : fs::directory_iterator(out))
    EXPECT_EQ(slurp(f.path()).find(planted), std::string::npos) << f.path();
  EXPECT_GT(redis_probe().xlen(ingest.stream()), 0) << "the planted key was sent and accepted\n" << said;
}

}  // namespace
}  // namespace tracepipe::test

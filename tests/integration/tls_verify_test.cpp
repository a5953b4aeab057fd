// https:// ClickHouse and S3 endpoints use TLS with the peer verified: a
// server with a self-signed certificate (openssl s_server on loopback) is
// refused by both clients, with the certificate named in the error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "child_process.hpp"
#include "ingest_harness.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/s3_writer.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(TlsVerify, SelfSignedServersAreRefusedByClickHouseAndS3Clients) {
  auto dir = fs::temp_directory_path() / ("tracepipe-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 -keyout " + key +
                         " -out " + cert + " > /dev/null 2>&1").c_str()),
            0);
  auto log = dir / "s_server.log";
  child_process server({"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key, "-www"},
                       log.string());
  std::smatch port;
  std::string said;
  ASSERT_TRUE(eventually([&] {
    said = slurp(log);
    return std::regex_search(said, port, std::regex("ACCEPT 127\\.0\\.0\\.1:([0-9]+)"));
  })) << said;
  auto url = "https://127.0.0.1:" + port[1].str();

  sink::clickhouse_client clickhouse({url, "default", "", std::chrono::seconds(5)});
  auto r = clickhouse.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("certificate"), std::string::npos) << r.message;

  sink::s3_writer s3({url, "bucket", "us-east-1", "a", "b", 1, std::chrono::seconds(5)});
  std::string error;
  EXPECT_FALSE(s3.get("k", &error));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
  server.kill_hard();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tracepipe::test

// https:// ClickHouse and S3 endpoints use TLS with the peer verified: a
// server with a self-signed certificate (openssl s_server on loopback) is
// refused by both clients, with the certificate named in the error — unless
// that certificate is given as the client's ca_file (clickhouse.ca_file,
// s3.ca_file), when the request gets through TLS and the server answers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>

#include "child_process.hpp"
#include "ingest_harness.hpp"
#include "sink/clickhouse_client.hpp"
#include "s3/client.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

/// A fresh directory with self-signed certificates for 127.0.0.1 (CA:TRUE,
/// as `openssl req -x509` makes them), removed at the end.
class cert_dir {
 public:
  cert_dir() : dir_(fs::temp_directory_path() / ("tracepipe-tls-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~cert_dir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  cert_dir(const cert_dir&) = delete;
  cert_dir& operator=(const cert_dir&) = delete;

  /// Writes NAME.pem (certificate) and NAME.key; true when openssl made them.
  bool make(const std::string& name) const {
    auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 -keyout " + key(name) +
               " -out " + cert(name) + " > /dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::string cert(const std::string& name) const { return (dir_ / (name + ".pem")).string(); }
  std::string key(const std::string& name) const { return (dir_ / (name + ".key")).string(); }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

/// `openssl s_server` on a free loopback port. mode "-www" answers a GET
/// with a status page (and nothing else); "-rev" sends back every line it
/// receives reversed: an answer, though not HTTP, to any request.
class tls_server {
 public:
  tls_server(const cert_dir& certs, const std::string& name, const std::string& mode)
      : log_(certs.path() / ("s_server" + mode + ".log")) {
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", certs.cert(name),
                                 "-key", certs.key(name), mode},
        log_.string());
    std::string said;
    if (auto port = wait_for_in_log(log_, std::regex("ACCEPT 127\\.0\\.0\\.1:([0-9]+)"), said))
      url_ = "https://127.0.0.1:" + *port;
    else
      said_ = said;
  }
  /// Empty when the server did not start; then said() tells why.
  const std::string& url() const { return url_; }
  const std::string& said() const { return said_; }

 private:
  fs::path log_;
  std::unique_ptr<child_process> process_;  // killed (SIGKILL) and reaped on destruction
  std::string url_, said_;
};

sink::clickhouse_settings clickhouse_at(const std::string& url, const std::string& ca_file = "") {
  return {url, "default", "", seconds(5), ca_file};
}

s3::client_settings s3_at(const std::string& url, const std::string& ca_file = "") {
  return {url, "bucket", "us-east-1", "a", "b", 1, seconds(5), ca_file};
}

TEST(TlsVerify, SelfSignedServersAreRefusedByClickHouseAndS3Clients) {
  cert_dir certs;
  ASSERT_TRUE(certs.make("server"));
  tls_server server(certs, "server", "-www");
  ASSERT_FALSE(server.url().empty()) << server.said();

  sink::clickhouse_client clickhouse(clickhouse_at(server.url()));
  auto r = clickhouse.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("certificate"), std::string::npos) << r.message;

  s3::client s3(s3_at(server.url()));
  std::string error;
  EXPECT_FALSE(s3.get("k", &error));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}

TEST(TlsVerify, TheServersCertificateAsCaFileIsTrustedByClickHouseAndS3Clients) {
  cert_dir certs;
  ASSERT_TRUE(certs.make("server"));
  const auto ca_file = certs.cert("server");

  // ClickHouse POSTs; an -rev server answers it with the request reversed.
  tls_server echo(certs, "server", "-rev");
  ASSERT_FALSE(echo.url().empty()) << echo.said();
  sink::clickhouse_client refused(clickhouse_at(echo.url()));
  auto r = refused.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("certificate"), std::string::npos) << r.message;

  sink::clickhouse_client trusting(clickhouse_at(echo.url(), ca_file));
  r = trusting.query("SELECT 1");
  // Through TLS, the request reached the server and its answer came back:
  // libcurl judges the answer (not HTTP), not the certificate.
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.message.find("certificate"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("SSL"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("HTTP/0.9"), std::string::npos) << r.message;

  // S3 GETs; a -www server answers with its status page.
  tls_server www(certs, "server", "-www");
  ASSERT_FALSE(www.url().empty()) << www.said();
  std::string error;
  EXPECT_FALSE(s3::client(s3_at(www.url())).get("k", &error));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;

  s3::client s3(s3_at(www.url(), ca_file));
  error.clear();
  auto page = s3.get("k", &error);
  ASSERT_TRUE(page) << error;
  EXPECT_NE(page->find("s_server"), std::string::npos) << *page;
  EXPECT_NE(page->find("Cipher"), std::string::npos) << *page;
}

TEST(TlsVerify, ACaFileWithoutTheServersIssuerIsRefused) {
  cert_dir certs;
  ASSERT_TRUE(certs.make("server"));
  ASSERT_TRUE(certs.make("other"));
  const auto other_ca = certs.cert("other");

  tls_server echo(certs, "server", "-rev");
  ASSERT_FALSE(echo.url().empty()) << echo.said();
  sink::clickhouse_client clickhouse(clickhouse_at(echo.url(), other_ca));
  auto r = clickhouse.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("certificate"), std::string::npos) << r.message;

  tls_server www(certs, "server", "-www");
  ASSERT_FALSE(www.url().empty()) << www.said();
  s3::client s3(s3_at(www.url(), other_ca));
  std::string error;
  EXPECT_FALSE(s3.get("k", &error));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}

TEST(TlsVerify, S3ClientRefusesAnUnreadableCaFileUpFront) {
  try {
    s3::client s3(s3_at("https://127.0.0.1:1", "/nonexistent/ca.pem"));
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::test

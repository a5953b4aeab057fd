// The tools' blocking HTTP client gives up on a server that accepts the
// connection and never answers (a SIGSTOPped process: the kernel still
// completes the handshake), instead of blocking its caller for ever.
#include "loadgen/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

namespace tracepipe::loadgen {
namespace {

using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

TEST(http_client, a_silent_server_fails_the_request_after_the_timeout) {
  boost::asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));  // listens, never accepts
  http_client client("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()), 300ms);
  for (int attempt = 0; attempt < 2; ++attempt) {  // and again on a fresh connection
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(client.request("GET", "/metrics"), std::runtime_error);
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 5s);
  }
}

TEST(http_client, nothing_listening_is_a_clear_error) {
  boost::asio::io_context ioc;
  tcp::acceptor probe(ioc, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  auto port = probe.local_endpoint().port();
  probe.close();  // the port is free again: connecting is refused
  http_client client("http://127.0.0.1:" + std::to_string(port), 300ms);
  try {
    client.request("GET", "/metrics");
    FAIL() << "a request to a closed port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tracepipe::loadgen

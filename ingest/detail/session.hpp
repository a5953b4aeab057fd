#pragma once
#include <deque>
#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ingest/routes.hpp"
#include "ingest/service.hpp"

namespace tracepipe::ingest::detail {

namespace beast = boost::beast;

/// One HTTP connection: read header → check → read body → handle → maybe
/// enqueue → answer → next request. All steps run on the connection's strand.
class session : public std::enable_shared_from_this<session> {
 public:
  session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<service> svc);
  ~session();
  void run();

 private:
  void do_read_header();
  void on_idle_read(beast::error_code ec, std::size_t n);
  void read_request();
  void on_read_header(beast::error_code ec, std::size_t);
  void do_read_body();
  void read_body_some();
  void on_read_body_some(beast::error_code ec, std::size_t);
  void hold(std::uint64_t bytes);
  void process();
  /// ingest.mode s3-first: PUTs the entries, then enqueues their references.
  void store_entries();
  void on_stored(const std::string& error, std::chrono::steady_clock::time_point started);
  void enqueue();
  void on_enqueued(boost::system::error_code ec, const std::string& detail);
  /// Hands a read to the read store; its answer comes back on our strand.
  void ask_store(outcome o, bool keep_alive);
  void respond(outcome o, bool keep_alive);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t);
  void finish_request();
  void close();

  beast::tcp_stream stream_;
  std::shared_ptr<service> owner_;  ///< keeps svc_ alive as long as this session
  service& svc_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  outcome pending_;                      ///< the request's decision while its runs are enqueued
  std::vector<queue::stream_entry> entries_;  ///< point into pending_ and entry_storage_
  std::deque<std::string> entry_storage_;
  std::size_t body_limit_ = 0;           ///< of the request being read: ingest.body_limit, or its route's own
  std::uint64_t reserved_bytes_ = 0;     ///< body bytes (and decompressed ones) counted in svc_.inflight_bytes
  bool in_request_ = false;
  bool first_request_ = true;
  std::chrono::steady_clock::time_point enqueue_start_;
  std::size_t stored_objects_ = 0;  ///< s3-first: objects of the request being stored, and their bytes
  std::uint64_t stored_bytes_ = 0;
};

}  // namespace tracepipe::ingest::detail

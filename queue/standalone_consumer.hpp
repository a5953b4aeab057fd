#pragma once
// stream_consumer on one Redis server: one connection, every stream in one
// XREADGROUP, replies read into an arena (no allocation per reply).
#include <memory>

#include "common/redis_endpoint.hpp"
#include "queue/error.hpp"
#include "queue/stream_consumer.hpp"

namespace tracepipe::queue {

class standalone_consumer final : public stream_consumer {
 public:
  standalone_consumer(common::redis_endpoint endpoint, consumer_options options);
  ~standalone_consumer() override;

  boost::system::error_code ensure_group() override;
  boost::system::error_code read_own_pending(std::size_t count, std::vector<stream_message>& out) override;
  boost::system::error_code read_new(std::size_t count, std::chrono::milliseconds block,
                                     std::vector<stream_message>& out) override;
  boost::system::error_code claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                        std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                        std::vector<stream_message>& poisoned) override;
  boost::system::error_code touch(const std::vector<const stream_message*>& held) override;
  boost::system::error_code ack(const std::vector<const stream_message*>& done) override;
  boost::system::error_code dead_letter(const stream_message& m, const std::string& reason,
                                        const std::string& dead_letter_stream) override;
  boost::system::error_code pending_count(std::uint64_t& out) override;
  boost::system::error_code heartbeat(std::chrono::milliseconds ttl) override;
  boost::system::error_code list_consumers(std::vector<consumer_state>& out) override;
  boost::system::error_code remove_consumer(const std::string& name) override;

 private:
  struct connection;
  boost::system::error_code connect();
  boost::system::error_code read_group(const std::vector<std::string>& ids, std::size_t count,
                                       std::chrono::milliseconds block, std::vector<stream_message>& out);

  common::redis_endpoint endpoint_;
  consumer_options options_;
  std::unique_ptr<connection> conn_;
  std::vector<std::string> pending_cursor_;  ///< per stream, for paging through own pending
};

}  // namespace tracepipe::queue

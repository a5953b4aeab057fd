#pragma once
// The reading side of the run streams, for sink workers: one consumer of a
// consumer group over all shard streams, on its own blocking connection (a
// worker pipeline is a thread; blocking keeps its loop plain). Every call
// answers an error code; a dropped connection is re-opened on the next call.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/system/error_code.hpp>

#include "common/redis_endpoint.hpp"
#include "queue/error.hpp"

namespace tracepipe::queue {

struct stream_message {
  std::string stream;  ///< the shard's key
  std::string id;      ///< "1700000000000-3"
  std::vector<std::pair<std::string, std::string>> fields;
  std::uint64_t deliveries = 1;  ///< how often the group has handed it out

  /// The value of a field, or "" when absent.
  std::string_view field(std::string_view name) const;
  /// Milliseconds part of the id: when Redis accepted the XADD.
  std::uint64_t enqueued_at_ms() const;
};

struct consumer_options {
  std::vector<std::string> streams;  ///< shard keys
  std::string group = "tracepipe-sink";
  std::string consumer;              ///< unique per pipeline, stable across restarts of it
  std::chrono::milliseconds timeout{5000};
};

class stream_consumer {
 public:
  stream_consumer(common::redis_endpoint endpoint, consumer_options options);
  ~stream_consumer();

  /// XGROUP CREATE … MKSTREAM on every stream, from the beginning; an existing group is fine.
  boost::system::error_code ensure_group();
  /// This consumer's own pending entries (delivered before, never acked) after `after` ids, per stream.
  boost::system::error_code read_own_pending(std::size_t count, std::vector<stream_message>& out);
  /// New entries; waits up to `block` when none.
  boost::system::error_code read_new(std::size_t count, std::chrono::milliseconds block,
                                     std::vector<stream_message>& out);
  /// Takes over entries idle longer than min_idle from any consumer (XPENDING
  /// IDLE + XCLAIM). Entries already delivered more than max_deliveries
  /// times go to `poisoned` instead of `out`.
  boost::system::error_code claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                        std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                        std::vector<stream_message>& poisoned);
  /// Resets the idle time of entries this consumer holds (XCLAIM … JUSTID,
  /// which leaves delivery counts alone), so a live consumer retrying
  /// through an outage is not taken for dead and reclaimed from.
  boost::system::error_code touch(const std::vector<const stream_message*>& held);
  /// XACK then XDEL, in one MULTI per stream: the backlog (XLEN) shrinks
  /// only once an entry is done with.
  boost::system::error_code ack(const std::vector<const stream_message*>& done);
  /// Copies the entry and the reason to the dead-letter stream, then acks it (one MULTI).
  boost::system::error_code dead_letter(const stream_message& m, const std::string& reason,
                                        const std::string& dead_letter_stream);

  /// Pending (delivered, not acked) entries of the group over all streams.
  boost::system::error_code pending_count(std::uint64_t& out);
  const consumer_options& options() const { return options_; }
  /// The last error reply's text, for logs.
  const std::string& last_error() const { return last_error_; }

 private:
  struct connection;
  boost::system::error_code connect();
  boost::system::error_code read_group(const std::vector<std::string>& ids, std::size_t count,
                                       std::chrono::milliseconds block, std::vector<stream_message>& out);

  common::redis_endpoint endpoint_;
  consumer_options options_;
  std::unique_ptr<connection> conn_;
  std::vector<std::string> pending_cursor_;  ///< per stream, for paging through own pending
  std::string last_error_;
};

}  // namespace tracepipe::queue

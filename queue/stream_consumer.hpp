#pragma once
// The reading side of the run streams, for sink workers: one consumer of a
// consumer group over all shard streams. Two kinds, picked by how Redis is
// deployed: standalone_consumer (one server, one connection, every stream
// in one XREADGROUP) and cluster_consumer (each stream on its slot's
// master). A worker pipeline is a thread; both block, which keeps its loop
// plain. Every call answers an error code; a dropped connection is re-opened
// on the next call.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/system/error_code.hpp>

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

/// One consumer of the group on one stream (XINFO CONSUMERS).
struct consumer_state {
  std::string stream;
  std::string name;
  std::uint64_t pending = 0;          ///< entries delivered to it, not acked
  std::chrono::milliseconds idle{0};  ///< since it was last handed entries (7.0: a read that got none does not count)
  bool alive = false;                 ///< its heartbeat key exists (heartbeat())
};

/// The key a consumer's heartbeat sets beside a stream (same hash slot).
inline std::string heartbeat_key(const std::string& stream, const std::string& consumer) {
  return stream + ":alive:" + consumer;
}

struct consumer_options {
  std::vector<std::string> streams;  ///< shard keys
  std::string group = "tracepipe-sink";
  std::string consumer;              ///< unique per pipeline, stable across restarts of it
  std::chrono::milliseconds timeout{5000};
};

class stream_consumer {
 public:
  virtual ~stream_consumer() = default;

  /// XGROUP CREATE … MKSTREAM on every stream, from the beginning; an existing group is fine.
  virtual boost::system::error_code ensure_group() = 0;
  /// This consumer's own pending entries (delivered before, never acked), paging on per stream.
  virtual boost::system::error_code read_own_pending(std::size_t count, std::vector<stream_message>& out) = 0;
  /// New entries; waits up to `block` when none.
  virtual boost::system::error_code read_new(std::size_t count, std::chrono::milliseconds block,
                                             std::vector<stream_message>& out) = 0;
  /// Takes over entries idle longer than min_idle from any consumer (XPENDING
  /// IDLE + XCLAIM). Entries already delivered more than max_deliveries
  /// times go to `poisoned` instead of `out`.
  virtual boost::system::error_code claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                                std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                                std::vector<stream_message>& poisoned) = 0;
  /// Resets the idle time of entries this consumer holds (XCLAIM … JUSTID,
  /// which leaves delivery counts alone), so a live consumer retrying
  /// through an outage is not taken for dead and reclaimed from.
  virtual boost::system::error_code touch(const std::vector<const stream_message*>& held) = 0;
  /// XACK then XDEL, in one MULTI per stream: the backlog (XLEN) shrinks
  /// only once an entry is done with.
  virtual boost::system::error_code ack(const std::vector<const stream_message*>& done) = 0;
  /// Copies the entry and the reason to the dead-letter stream, then acks it (one MULTI).
  virtual boost::system::error_code dead_letter(const stream_message& m, const std::string& reason,
                                                const std::string& dead_letter_stream) = 0;
  /// Pending (delivered, not acked) entries of the group over all streams.
  virtual boost::system::error_code pending_count(std::uint64_t& out) = 0;
  /// Says this consumer is alive for `ttl`: its heartbeat key beside every
  /// stream. Redis 7.0's idle time cannot: a consumer whose reads find
  /// nothing looks idle however often it reads.
  virtual boost::system::error_code heartbeat(std::chrono::milliseconds ttl) = 0;
  /// The group's consumers on every stream, with their heartbeats
  /// (consumer_reaper.hpp decides).
  virtual boost::system::error_code list_consumers(std::vector<consumer_state>& out) = 0;
  /// XGROUP DELCONSUMER and its heartbeat key on every stream. Its pending
  /// entries, if any, would be stranded: remove only what
  /// consumers_to_remove() names, or this consumer once it holds nothing.
  virtual boost::system::error_code remove_consumer(const std::string& name) = 0;
  /// The key dead_letter() writes `m` to.
  virtual std::string dead_letter_key(const std::string& dead_letter_stream, const stream_message&) const {
    return dead_letter_stream;
  }

  /// The last error reply's text, for logs.
  const std::string& last_error() const { return last_error_; }

 protected:
  std::string last_error_;
};

}  // namespace tracepipe::queue

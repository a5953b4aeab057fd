#pragma once
// Enqueues the run operations of one request: per shard one MULTI, the XADDs,
// EXEC — pipelined on the shared connection. A transaction is all-or-nothing
// in Redis (an OOM on any XADD aborts the whole EXEC), so a refused request
// leaves nothing behind on that shard. The handler runs once, after every
// EXEC has answered, with the first error if any.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/redis_connection.hpp"

namespace tracepipe::queue {

/// One stream entry: field/value pairs; views must outlive the enqueue.
struct stream_entry {
  std::size_t shard = 0;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

using enqueue_handler = std::function<void(boost::system::error_code ec, std::string detail)>;

class stream_producer {
 public:
  stream_producer(std::shared_ptr<redis_connection> connection, std::string stream_prefix, std::size_t shards);

  /// Thread-safe. The handler runs on the connection's strand.
  void enqueue(const std::vector<stream_entry>& entries, enqueue_handler handler);

  std::size_t shards() const { return keys_.size(); }
  const std::string& key(std::size_t shard) const { return keys_[shard]; }
  redis_connection& connection() { return *connection_; }

 private:
  struct completion;
  void issue(const std::vector<std::vector<const stream_entry*>>& by_shard, std::shared_ptr<completion> state);

  std::shared_ptr<redis_connection> connection_;
  std::vector<std::string> keys_;
};

}  // namespace tracepipe::queue

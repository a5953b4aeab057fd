#pragma once
// Enqueues the run operations of one request: per shard one MULTI, the XADDs,
// EXEC — pipelined on the shared connection, or on a Redis Cluster sent to
// the master of the shard's slot (each shard's key is one slot). A transaction is all-or-nothing
// in Redis (an OOM on any XADD aborts the whole EXEC), so a refused request
// leaves nothing behind on that shard. The handler runs once, after every
// EXEC has answered, with the first error if any. With replicas required,
// each EXEC is followed by WAIT on the same connection: the enqueue succeeds
// only once that many replicas confirmed it (Redis replication is
// asynchronous; WAIT narrows the window a failover can lose, it is not
// consensus). A WAIT that times out fails the enqueue with
// error::not_replicated: the entries are on the master, and the client's
// retry may enqueue them again, which the sink's ReplacingMergeTree collapses.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/cluster_connection.hpp"
#include "queue/redis_connection.hpp"

namespace tracepipe::queue {

/// One stream entry: field/value pairs; views must outlive the enqueue.
struct stream_entry {
  std::size_t shard = 0;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

using enqueue_handler = std::function<void(boost::system::error_code ec, std::string detail)>;

/// How many replicas must confirm each transaction (WAIT), and how long they may take.
struct replication_wait {
  int replicas = 0;  ///< 0: no WAIT, the answer follows EXEC
  std::chrono::milliseconds timeout{1000};
};

class stream_producer {
 public:
  stream_producer(std::shared_ptr<redis_connection> connection, std::string stream_prefix, std::size_t shards,
                  replication_wait wait = {});
  stream_producer(std::shared_ptr<cluster_connection> cluster, std::string stream_prefix, std::size_t shards,
                  replication_wait wait = {});

  /// Thread-safe. The handler runs on strand().
  void enqueue(const std::vector<stream_entry>& entries, enqueue_handler handler);
  /// One command on `shard`'s stream (XLEN …): `check` reads its reply where
  /// the reply lives, `done` runs on strand().
  void on_shard(std::size_t shard, std::vector<std::string_view> argv, reply_check check, outcome_handler done);

  std::size_t shards() const { return keys_.size(); }
  const std::string& key(std::size_t shard) const { return keys_[shard]; }
  /// Redis answers: connected (to a master of the cluster, its map loaded).
  bool ready() const { return cluster_ ? cluster_->ready() : connection_->ready(); }
  /// Where handlers run.
  boost::asio::strand<boost::asio::any_io_executor>& strand() {
    return cluster_ ? cluster_->strand() : connection_->strand();
  }

 private:
  struct completion;
  void issue(const std::vector<std::vector<const stream_entry*>>& by_shard, std::shared_ptr<completion> state);
  void issue_on_cluster(const std::vector<std::vector<const stream_entry*>>& by_shard,
                        std::shared_ptr<completion> state);

  std::shared_ptr<redis_connection> connection_;  ///< a standalone Redis, or null
  std::shared_ptr<cluster_connection> cluster_;   ///< a Redis Cluster, or null
  std::vector<std::string> keys_;
  replication_wait wait_;
  std::string wait_replicas_, wait_timeout_;  ///< WAIT's arguments, as text
};

}  // namespace tracepipe::queue

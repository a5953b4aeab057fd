#pragma once
// Reads the ingest queue's depth (XLEN summed over the shard streams) with a
// blocking hiredis connection — the load generator's observer thread polls
// it once a second, so it needs none of the queue library's Asio machinery.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

struct redisContext;

namespace tracepipe::loadgen {

class queue_depth_reader {
 public:
  /// url: redis://[[user]:password@]host[:port][/db]; streams "<prefix>:{n}".
  queue_depth_reader(std::string url, std::string prefix, int shards, std::chrono::milliseconds timeout);
  ~queue_depth_reader();
  queue_depth_reader(const queue_depth_reader&) = delete;
  queue_depth_reader& operator=(const queue_depth_reader&) = delete;

  /// The depth now; nullopt with error() set when Redis cannot be asked
  /// (it reconnects on the next call).
  std::optional<std::uint64_t> read();
  const std::string& error() const { return error_; }

 private:
  bool connect();
  void drop();

  std::string url_, prefix_;
  int shards_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
  std::string error_;
};

}  // namespace tracepipe::loadgen

#pragma once
// The read store behind ingest's read API: each read is one or two
// ClickHouse queries, run on a pool of ingest.read_concurrency threads (so
// the Beast threads never block), each cancelled by the server after
// ingest.read_query_timeout (504).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "config/settings.hpp"
#include "ingest/read_api.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/schema.hpp"

namespace tracepipe::read {

class clickhouse_reads : public ingest::read_store {
 public:
  /// Reads the first server of clickhouse.url (replicas: any one has every run).
  explicit clickhouse_reads(const config::settings& settings);
  ~clickhouse_reads() override;
  clickhouse_reads(const clickhouse_reads&) = delete;
  clickhouse_reads& operator=(const clickhouse_reads&) = delete;

  void read(ingest::read_call call, std::function<void(ingest::read_reply)> done) override;
  /// Waits at most a query's timeout (ingest.read_query_timeout) for the
  /// reads running.
  void stop() override;

 private:
  struct job {
    ingest::read_call call;
    std::function<void(ingest::read_reply)> done;
  };
  void serve();
  /// The answer to one call, with this thread's client.
  ingest::read_reply answer(sink::clickhouse_client& client, const ingest::read_call& call);

  config::clickhouse_settings clickhouse_;
  sink::schema_names table_;
  std::chrono::milliseconds timeout_;
  bool indexed_;  ///< clickhouse.project_index: the workers keep the project index
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::size_t concurrency_;  ///< threads at most (ingest.read_concurrency)
  std::size_t idle_ = 0;     ///< threads waiting for a job
  std::vector<std::thread> threads_;  ///< started by read(), joined by stop()
};

}  // namespace tracepipe::read

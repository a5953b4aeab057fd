#pragma once
// A sink worker process: probes ClickHouse, creates the schema, and runs
// worker.pipelines batch pipelines, each on its own thread, all in one
// consumer group (several worker processes may share it).
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/clickhouse_version.hpp"
#include "sink/metrics.hpp"
#include "sink/pipeline.hpp"

namespace tracepipe::sink {

class worker {
 public:
  explicit worker(const config::settings& settings);
  ~worker();

  /// Waits for ClickHouse (retrying until it answers or stop()), creates the
  /// schema, then starts the pipelines. Throws std::runtime_error when the
  /// schema cannot be created for a reason retrying cannot fix.
  void start();
  /// Stops reading; pipelines insert and ack what they hold until
  /// worker.shutdown_deadline, then return (the rest stays pending).
  void stop();

  sink_metrics& metrics() { return metrics_; }
  const clickhouse_version& version() const { return context_.version; }

 private:
  void prepare_clickhouse();
  /// Checks the servers against clickhouse.cluster and clickhouse.url
  /// (throws, naming what differs); true when the schema must be created.
  bool check_cluster(const std::vector<std::unique_ptr<clickhouse_client>>& servers);
  void create_schema(clickhouse_client& first);
  /// Refuses a runs table made without the clickhouse.parts_to_* asked for.
  void check_limits(clickhouse_client& server);

  pipeline_context context_;
  sink_metrics metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> stop_deadline_{0};
  std::vector<std::unique_ptr<pipeline>> pipelines_;
  std::vector<std::thread> threads_;
};

/// "<hostname>-<pid>": a consumer name unique to this process.
std::string default_consumer_name();

}  // namespace tracepipe::sink

#pragma once
// What `demo` and `bench` run on this machine: a local stack in a fresh
// directory, stopped on every way out, and the whole write path (ingest +
// sink workers) in this process, ingest's /metrics carrying the workers'
// figures as serve's does.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "ingest/runner.hpp"
#include "read/clickhouse_reads.hpp"
#include "sink/worker.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {

/// A fresh directory under the system's temp dir: tracepipe-<what>-XXXXXX.
std::string fresh_temp_dir(std::string_view what);

/// Starts a stack; stops it when destroyed unless `keep`.
class local_stack {
 public:
  /// Starts the stack `options` describe (options.dir: its directory).
  local_stack(const stack::options& options, bool keep, std::string who);
  ~local_stack();
  local_stack(const local_stack&) = delete;
  local_stack& operator=(const local_stack&) = delete;

 private:
  std::string dir_;
  bool keep_;
  std::string who_;  ///< the command, in what it says
};

/// Ingest on a free loopback port and `settings.worker.pipelines` sink
/// pipelines, both started; stopped (workers flushing) when destroyed.
class local_write_path {
 public:
  explicit local_write_path(config::settings settings);
  ~local_write_path();
  local_write_path(const local_write_path&) = delete;
  local_write_path& operator=(const local_write_path&) = delete;

  /// http://127.0.0.1:PORT
  const std::string& url() const { return url_; }
  /// The workers running now; null while restart_workers has them stopped.
  std::shared_ptr<sink::worker> worker() const { return current(); }

  /// A scenario's live change: the running workers stop (inserting and
  /// acking what they hold, within worker.shutdown_deadline; the rest stays
  /// pending for the new ones, which share their consumer names), then
  /// workers with `settings` start — none when worker.pipelines is 0.
  /// Ingest keeps accepting throughout.
  void restart_workers(const config::settings& settings);

 private:
  std::shared_ptr<sink::worker> current() const;

  mutable std::mutex mutex_;               ///< guards worker_: ingest's /metrics reads it
  std::shared_ptr<sink::worker> worker_;   ///< null while stopped (pipelines 0)
  std::unique_ptr<read::clickhouse_reads> reads_;  ///< ingest's read API; outlives ingest_
  std::unique_ptr<ingest::runner> ingest_;
  std::string url_;
};

}  // namespace tracepipe::lab

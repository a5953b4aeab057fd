#pragma once
// What `demo` and `bench` run on this machine: a local stack in a fresh
// directory, stopped on every way out, and the whole write path (ingest +
// sink workers) in this process, ingest's /metrics carrying the workers'
// figures as serve's does.
#include <memory>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "ingest/runner.hpp"
#include "sink/worker.hpp"

namespace tracepipe::tools {

/// A fresh directory under the system's temp dir: tracepipe-<what>-XXXXXX.
std::string fresh_temp_dir(std::string_view what);

/// Starts the stack in `dir`; stops it when destroyed unless `keep`.
class local_stack {
 public:
  local_stack(std::string dir, bool keep, std::string who);
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
  sink::worker& worker() { return *worker_; }

 private:
  std::unique_ptr<sink::worker> worker_;
  std::unique_ptr<ingest::runner> ingest_;
  std::string url_;
};

}  // namespace tracepipe::tools

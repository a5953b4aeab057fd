// `tracepipe worker` and `tracepipe serve`: the sink workers alone, or
// ingest and workers in one process.
#include <exception>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "ingest/runner.hpp"
#include "read/clickhouse_reads.hpp"
#include "ingest/service.hpp"
#include "sink/metrics_server.hpp"
#include "sink/worker.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

namespace tracepipe::tools {
namespace {

/// Starts the worker on its own thread (start() waits for ClickHouse), waits
/// for a stop signal or a start failure, then stops it; the exit code.
int run_worker_until_signal(sink::worker& worker) {
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::thread starter([&] {
    try {
      worker.start();
    } catch (...) {
      failure = std::current_exception();
      failed = true;
    }
  });
  int sig = wait_for_stop_signal(failed);
  if (sig) std::cerr << "tracepipe: stopping (finishing in-flight batches)\n";
  worker.stop();
  starter.join();
  if (failure) std::rethrow_exception(failure);
  return 0;
}

}  // namespace

void add_worker_commands(CLI::App& app, action& run) {
  static config::loader worker_loader, serve_loader;
  auto* worker = app.add_subcommand(
      "worker",
      "Run sink pipelines: read runs from the Redis streams (consumer group), offload large fields to S3, insert "
      "batches into ClickHouse, and acknowledge entries only once both are durable");
  worker_loader.add_flags(*worker, {config::section::redis, config::section::clickhouse, config::section::s3,
                                    config::section::worker});
  worker->callback([&run] {
    run = [] {
      auto settings = worker_loader.load();
      block_stop_signals();
      sink::worker w(settings);
      sink::metrics_server metrics([&w] { return w.metrics().render(); });
      auto ep = metrics.start(settings.worker.listen);
      std::cout << fmt::format("tracepipe worker: {} sink pipelines; metrics on http://{}:{}/metrics",
                               settings.worker.pipelines, ep.address().to_string(), ep.port())
                << std::endl;
      return run_worker_until_signal(w);
    };
  });

  auto* serve = app.add_subcommand(
      "serve", "Run the whole write path in one process: ingest (HTTP → Redis) and the sink workers "
               "(Redis → S3 + ClickHouse); /metrics shows both");
  serve_loader.add_flags(*serve, {config::section::ingest, config::section::redis, config::section::clickhouse,
                                  config::section::s3, config::section::worker});
  serve->callback([&run] {
    run = [] {
      auto settings = serve_loader.load();
      block_stop_signals();
      sink::worker w(settings);
      read::clickhouse_reads reads(settings);
      ingest::runner ingest(settings, &reads);
      ingest.svc().extra_metrics = [&w] { return w.metrics().render(); };
      auto ep = ingest.start();
      std::cout << fmt::format("tracepipe serve: listening on http://{}:{} ({} sink pipelines)", ep.address().to_string(),
                               ep.port(), settings.worker.pipelines)
                << std::endl;
      int code = run_worker_until_signal(w);
      ingest.stop();
      return code;
    };
  });
}

}  // namespace tracepipe::tools

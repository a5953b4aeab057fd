// `tracepipe ingest`: the HTTP front end, LangSmith run-ingestion API → Redis streams.
#include <iostream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "ingest/runner.hpp"
#include "read/clickhouse_reads.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

namespace tracepipe::tools {

void add_ingest_command(CLI::App& app, action& run) {
  static config::loader loader;
  auto* cmd = app.add_subcommand(
      "ingest",
      "Serve the LangSmith run-ingestion API (POST /runs, PATCH /runs/{id}, POST /runs/batch, POST /runs/multipart, "
      "GET /info, /ok, /ready, /metrics) and enqueue every accepted run into Redis streams before answering 202; "
      "and its read calls (GET /runs/{id}, POST /runs/query, GET /sessions?name=) from ClickHouse");
  loader.add_flags(*cmd, {config::section::ingest, config::section::redis, config::section::clickhouse});
  cmd->callback([&run] {
    run = [] {
      auto settings = loader.load();
      block_stop_signals();
      read::clickhouse_reads reads(settings);
      ingest::runner runner(settings, &reads);
      auto ep = runner.start();
      std::cout << fmt::format("tracepipe ingest: listening on http://{}:{} (streams {}:{{0..{}}})", ep.address().to_string(),
                               ep.port(), settings.redis.stream, settings.redis.shards - 1)
                << std::endl;
      std::atomic<bool> never{false};
      wait_for_stop_signal(never);
      std::cerr << "tracepipe ingest: stopping (finishing requests in progress)\n";
      runner.stop();
      return 0;
    };
  });
}

}  // namespace tracepipe::tools

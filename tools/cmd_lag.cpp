// `tracepipe lag --since 5m`: received → inserted lag from ClickHouse itself.
#include <iostream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "config/units.hpp"
#include "sink/lag.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {

void add_lag_command(CLI::App& app, action& run) {
  static config::loader loader;
  static std::string since = "5m";
  auto* cmd = app.add_subcommand("lag", "Print p50/p90/p99/max of inserted_at − received_at over the runs received "
                                        "in the last --since, read from ClickHouse, and the row count");
  cmd->add_option("--since", since, "Window of received runs, e.g. 30s, 5m, 2h")->capture_default_str();
  loader.add_flags(*cmd, {config::section::clickhouse});
  cmd->callback([&run] {
    run = [] {
      auto settings = loader.load();
      auto window = config::parse_duration(since);
      if (!window) throw config::error(fmt::format("--since '{}': expected a duration such as 30s or 5m", since));
      const auto& ch = settings.clickhouse;
      sink::clickhouse_client client(sink::client_settings(ch));
      auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(*window).count());
      std::string error;
      auto lag = sink::query_lag(client, {ch.database, ch.table}, seconds, error);
      if (!lag) {
        std::cerr << "tracepipe lag: " << error << "\n";
        return 1;
      }
      std::cout << fmt::format("rows received in the last {}: {}\n", since, lag->rows);
      if (lag->rows)
        std::cout << fmt::format("lag inserted_at − received_at: p50 {:.0f} ms  p90 {:.0f} ms  p99 {:.0f} ms  max {:.0f} ms\n",
                                 lag->p50_ms, lag->p90_ms, lag->p99_ms, lag->max_ms);
      auto version = client.probe_version();
      if (version && !ch.cluster.empty() && !version->has_insert_deduplication_token())
        std::cout << fmt::format("(a replicated table on ClickHouse {} takes inserted_at from the batch's first send, "
                                 "so that a retried batch dedups: these figures end at the send, not the commit)\n",
                                 version->text);
      else if (version && !version->has_unix_timestamp64())
        std::cout << fmt::format("(ClickHouse {} stamps inserted_at in whole seconds: these figures are ±1 s)\n",
                                 version->text);
      return 0;
    };
  });
}

}  // namespace tracepipe::tools

#pragma once
// Each subcommand registers itself on the app and, when chosen, stores the
// function main() runs after parsing. Exit codes: 0 ok, 2 usage or config
// error, 1 runtime failure.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace tracepipe::stack {
struct options;
}

namespace tracepipe::tools {

using action = std::function<int()>;

/// A flag's value CLI11 cannot check itself was wrong: exit 2 with `what`.
[[noreturn]] inline void usage(const std::string& what) { throw CLI::ValidationError(what); }

void add_stack_command(CLI::App& app, action& run);
/// The stack's shape, as `stack up` and `demo` take it: --clickhouse-replicas,
/// --redis-cluster, --redis-replicas (defaults: what `o` holds).
void add_topology_options(CLI::App* cmd, stack::options& o);
void add_ingest_command(CLI::App& app, action& run);
void add_send_command(CLI::App& app, action& run);
void add_load_command(CLI::App& app, action& run);
void add_worker_commands(CLI::App& app, action& run);  ///< worker, serve
void add_lag_command(CLI::App& app, action& run);
void add_report_command(CLI::App& app, action& run);
void add_demo_command(CLI::App& app, action& run);
void add_compare_command(CLI::App& app, action& run);
void add_scenario_command(CLI::App& app, action& run);
void add_config_command(CLI::App& app, action& run);
void add_key_command(CLI::App& app, action& run);

}  // namespace tracepipe::tools

// tracepipe: the trace-ingestion pipeline engine and its tools, one executable
// with subcommands.
#include <iostream>

#include "config/loader.hpp"
#include "tools/commands.hpp"

int main(int argc, char** argv) {
  using namespace tracepipe;
  CLI::App app{"tracepipe — the write path of a self-hosted LLM-observability platform (LangSmith-compatible "
               "ingest → Redis streams → ClickHouse/S3), instrumented, with its own local stack.",
               "tracepipe"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tracepipe 0.1.0");
  tools::action run;
  tools::add_stack_command(app, run);
  tools::add_ingest_command(app, run);
  tools::add_worker_commands(app, run);
  tools::add_send_command(app, run);
  tools::add_load_command(app, run);
  tools::add_lag_command(app, run);
  tools::add_report_command(app, run);
  tools::add_demo_command(app, run);
  tools::add_compare_command(app, run);
  tools::add_scenario_command(app, run);
  tools::add_config_command(app, run);
  tools::add_key_command(app, run);
  try {
    app.parse(argc, argv);
    return run ? run() : 0;
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const config::error& e) {
    std::cerr << "tracepipe: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tracepipe: " << e.what() << "\n";
    return 1;
  }
}

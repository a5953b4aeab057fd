// `tracepipe stack up|down|status|stop|start --dir DIR`
#include <iostream>

#include <fmt/format.h>

#include "tools/commands.hpp"
#include "tools/stack/stack.hpp"

namespace tracepipe::tools {

void add_stack_command(CLI::App& app, action& run) {
  auto* cmd = app.add_subcommand("stack", "Start, stop or inspect a local Redis + ClickHouse + S3 (s3rver) on free "
                                          "loopback ports under one directory; endpoints go to DIR/stack.env");
  cmd->require_subcommand(1);
  static stack::options opts;
  static std::string component;
  auto dir_option = [](CLI::App* sub) {
    sub->add_option("--dir", opts.dir, "Stack directory (data, logs, pids, stack.env)")->required();
  };

  auto* up = cmd->add_subcommand("up", "Start the stack and wait until every component answers");
  dir_option(up);
  up->add_option("--deadline", opts.deadline, "Seconds to wait for all components to answer")->capture_default_str();
  up->add_option("--s3rver", opts.s3rver_path, "Path of the s3rver executable (default: .deps from tools/setup.sh)");
  up->callback([&run] {
    run = [] {
      auto env = stack::up(opts, std::cerr);
      std::cout << "stack up: " << opts.dir << "/stack.env\n";
      for (const auto& [k, v] : env)
        if (k.find("SECRET") == std::string::npos && k.find("PASSWORD") == std::string::npos)
          std::cout << "  " << k << "=" << v << "\n";
      return 0;
    };
  });

  auto* down = cmd->add_subcommand("down", "Stop exactly the processes `up` started (data stays)");
  dir_option(down);
  down->callback([&run] { run = [] { stack::down(opts.dir, std::cerr); return 0; }; });

  auto* status = cmd->add_subcommand("status", "Say which components are alive; exit 1 unless all are");
  dir_option(status);
  status->callback([&run] {
    run = [] {
      bool all = true;
      for (const auto& c : stack::status(opts.dir)) {
        std::cout << fmt::format("{:<11} {:<6} pid {:<8} {}\n", c.name, c.alive ? "alive" : "DOWN", c.pid, c.endpoint);
        all = all && c.alive;
      }
      return all ? 0 : 1;
    };
  });

  for (const char* verb : {"stop", "start"}) {
    bool is_stop = std::string_view(verb) == "stop";
    auto* sub = cmd->add_subcommand(verb, is_stop ? "Stop one component, keeping its port and data"
                                                  : "Start one stopped component again on its port and data");
    dir_option(sub);
    sub->add_option("component", component, "redis, clickhouse or s3")
        ->required()
        ->check(CLI::IsMember({"redis", "clickhouse", "s3"}));
    sub->callback([&run, is_stop] {
      run = [is_stop] {
        if (is_stop) stack::stop_component(opts.dir, component, std::cerr);
        else stack::start_component(opts.dir, component, std::cerr);
        return 0;
      };
    });
  }
}

}  // namespace tracepipe::tools

// `tracepipe config`: every configuration key with its default, unit, flag,
// environment variable and meaning — the table README.md shows.
#include <iostream>

#include <fmt/format.h>

#include "config/keys.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {

void add_config_command(CLI::App& app, action& run) {
  auto* cmd = app.add_subcommand("config", "List every configuration key: default, unit, flag, environment "
                                           "variable and meaning (a Markdown table)");
  cmd->callback([&run] {
    run = [] {
      std::cout << "| key | flag | env | default | unit | meaning |\n|---|---|---|---|---|---|\n";
      for (const auto& k : config::keys()) {
        auto env = "`" + k.env_name() + "`";
        for (const auto& alias : k.env_aliases) env += ", `" + alias + "`";
        std::cout << fmt::format("| `{}` | `{}` | {} | {} | {} | {} |\n", k.name, k.flag, env,
                                 k.default_text.empty() ? "(none)" : "`" + k.default_text + "`", k.unit, k.help);
      }
      return 0;
    };
  });
}

}  // namespace tracepipe::tools

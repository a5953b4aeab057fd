// `tracepipe report DIR`: (re-)renders report.html from a load run's
// summary.json and timeseries.csv.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "report/report_html.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {

void add_report_command(CLI::App& app, action& run) {
  static std::string dir;
  static std::string out;
  auto* cmd = app.add_subcommand("report", "Render report.html (charts and summary, one self-contained file) from "
                                           "the summary.json and timeseries.csv that `tracepipe load --out DIR` wrote");
  cmd->add_option("DIR", dir, "The run's directory")->required();
  cmd->add_option("--out", out, "Where to write the page (default DIR/report.html)");
  cmd->callback([&run] {
    run = [] {
      std::filesystem::path path = out.empty() ? std::filesystem::path(dir) / "report.html" : std::filesystem::path(out);
      std::string html;
      try {
        html = report::render_report_html(report::read_report_files(dir));
      } catch (const report::report_file_error& e) {
        std::cerr << "tracepipe report: " << e.what() << "\n";
        return 1;
      }
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file << html;
      if (!file.flush()) {
        std::cerr << fmt::format("tracepipe report: cannot write {}\n", path.string());
        return 1;
      }
      std::cout << path.string() << "\n";
      return 0;
    };
  });
}

}  // namespace tracepipe::tools

// `tracepipe report DIR`: (re-)renders report.html from a load run's
// summary.json and timeseries.csv. `tracepipe report merge`: several
// generators' runs as one (lab/run_merge.hpp).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "config/units.hpp"
#include "lab/run_merge.hpp"
#include "report/report_html.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

namespace tracepipe::tools {

namespace {

int render_report(const std::string& dir, const std::string& out) {
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
}

struct merge_cli {
  lab::merge_session session;
  config::loader stack;
  std::string reconcile_timeout = "60s";
  std::vector<std::string> thresholds;
};

int run_merge_command(merge_cli& c) {
  auto& s = c.session;
  std::string why;
  auto timeout = config::parse_duration(c.reconcile_timeout, &why);
  if (!timeout) usage("--reconcile-timeout: " + why);
  s.reconcile_timeout = *timeout;
  for (const auto& t : c.thresholds) {
    auto parsed = report::threshold::parse(t, &why);
    if (!parsed) usage("--threshold: " + why);
    s.thresholds.push_back(*parsed);
  }
  if (!c.stack.stack_dir().empty() || !c.stack.config_file().empty()) {
    auto settings = c.stack.load();
    s.stack = observe::stack_target_of(settings, "");  // the project comes from the runs' summaries
  }
  return lab::run_merge_session(s, stop_flags_on_signals().requested);
}

}  // namespace

void add_report_command(CLI::App& app, action& run) {
  static std::string dir;
  static std::string out;
  static merge_cli m;
  auto* cmd = app.add_subcommand("report", "Render report.html (charts and summary, one self-contained file) from "
                                           "the summary.json and timeseries.csv that `tracepipe load --out DIR` wrote; "
                                           "`report merge` makes one run of several generators' runs");
  cmd->add_option("DIR", dir, "The run's directory");
  cmd->add_option("--out", out, "Where to write the page (default DIR/report.html)");
  cmd->callback([cmd, &run] {
    if (!cmd->get_subcommands().empty()) return;
    if (dir.empty()) usage("report: the run's directory (DIR) is required");
    run = [] { return render_report(dir, out); };
  });

  auto* merge = cmd->add_subcommand(
      "merge",
      "Merge several generators' runs (each `tracepipe load --segment I/N --out DIR`) into one: counts added up, "
      "latency histograms merged exactly (the merged p99 is the p99 of every request), seconds lined up on the wall "
      "clock, thresholds judged on the merged figures, one summary.json, timeseries.csv and report.html. With "
      "--stack or --config, every generator's acknowledged runs are reconciled again at once; without, their own "
      "reconciles are added up. Exit 0 ok, 1 a run cannot be read or merged, 2 usage, 3 a --threshold failed");
  merge->add_option("RUN_DIR", m.session.runs, "The generators' --out directories")->required();
  merge->add_option("--out", m.session.out, "Directory for the merged files (made if absent)")->required();
  merge->add_option("--reconcile-timeout", m.reconcile_timeout,
                    "With --stack/--config: wait this long for every acknowledged run (0: add up the generators' "
                    "own reconciles)")
      ->capture_default_str();
  merge->add_option("--threshold", m.thresholds, "Pass/fail on the merged figures, as `tracepipe load --threshold`");
  merge->add_flag("--quiet", m.session.quiet, "No reconcile progress on stderr");
  m.stack.add_flags(*merge, {config::section::clickhouse});  // the reconcile reads ClickHouse only
  merge->callback([&run] {
    run = [] { return run_merge_command(m); };
  });
}

}  // namespace tracepipe::tools

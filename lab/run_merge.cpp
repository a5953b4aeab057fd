#include "lab/run_merge.hpp"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "lab/load_session.hpp"
#include "observe/reconcile.hpp"
#include "observe/stack_figures.hpp"
#include "report/merge.hpp"
#include "report/report_files.hpp"
#include "report/saved_run.hpp"

namespace tracepipe::lab {

namespace {

/// One reconcile over every generator's operations, replacing the sum of theirs.
void reconcile_again(loadgen::load_result& r, const merge_session& session, std::atomic<bool>& stop) {
  observe::reconcile_options ro;
  ro.target = *session.stack;
  if (const auto* project = r.config.if_contains("project"); project && project->is_string())
    ro.target.project = std::string(project->as_string());  // the runs carried it; the generators' summaries say which
  ro.deadline = session.reconcile_timeout;
  if (r.stack && r.stack->late_after_ms > 0)
    ro.late_after = std::chrono::milliseconds(static_cast<std::int64_t>(r.stack->late_after_ms));
  ro.start_us = r.start_wall_us;
  ro.since_us = r.start_wall_us - 2'000'000;  // as the load's own: ingest's clock may trail
  ro.stop = &stop;
  if (!session.quiet) ro.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  observe::attach_reconcile(r, observe::reconcile(r.acknowledged, ro));
  r.stack->late_after_ms = static_cast<double>(ro.late_after.count());
}

}  // namespace

int run_merge_session(const merge_session& session, std::atomic<bool>& stop) {
  std::vector<report::generator_run> runs;
  report::merged_run merged;
  try {
    for (const auto& dir : session.runs) runs.push_back({dir, report::read_saved_run(dir)});
    merged = report::merge_runs(runs);
  } catch (const std::exception& e) {  // a file missing or malformed (report_file_error), or runs that are not one load
    std::cerr << "tracepipe report merge: " << e.what() << "\n";
    return 1;
  }
  for (const auto& note : merged.notes) std::cerr << "tracepipe report merge: note: " << note << "\n";
  auto& r = merged.result;
  bool reconciled = std::any_of(runs.begin(), runs.end(), [](const auto& g) { return g.result.stack && g.result.stack->reconciled; });
  if (session.stack && session.reconcile_timeout.count() > 0) reconcile_again(r, session, stop);
  else if (reconciled)
    std::cerr << "tracepipe report merge: note: the reconcile is the generators' own, added up (give --stack or "
                 "--config to look every acknowledged operation up again at once)\n";
  auto outcomes = report::evaluate(session.thresholds, r);
  std::filesystem::path dir(session.out);
  std::filesystem::create_directories(dir);
  write_run_files(dir, r, outcomes);
  std::cout << fmt::format("merged {} runs (segments {})\n", runs.size(), r.segment);
  print_summary(r);
  std::cout << "report: " << (dir / "report.html").string() << "\n";
  return exit_code_of(outcomes);
}

}  // namespace tracepipe::lab

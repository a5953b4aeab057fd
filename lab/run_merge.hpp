#pragma once
// `tracepipe report merge`: several generators' --out directories as one
// run — merged counts and histograms, one reconcile over every generator's
// acknowledged operations (with the stack in view), thresholds judged on the
// merged figures, and one summary.json, timeseries.csv and report.html.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "observe/stack_target.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::lab {

struct merge_session {
  std::vector<std::string> runs;  ///< the generators' --out directories
  std::string out;                ///< where the merged files go (made if absent)
  /// Set: look every acknowledged operation up again, all generators' at
  /// once; else the generators' own reconciles are added up.
  std::optional<observe::stack_target> stack;
  std::chrono::milliseconds reconcile_timeout{60'000};
  std::vector<report::threshold> thresholds;
  bool quiet = false;  ///< no reconcile progress on stderr
};

/// 0, 1 when a run cannot be read or the runs cannot be one load (said on
/// stderr), or 3 when a threshold failed.
int run_merge_session(const merge_session& session, std::atomic<bool>& stop);

}  // namespace tracepipe::lab

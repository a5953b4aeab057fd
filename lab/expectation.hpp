#pragma once
// A scenario's expectations: one comparison over a run's timeseries.csv
// (aggregated over a phase's seconds) and its whole-run figures, judged after
// the run. Examples:
//   max(queue_depth) > 3 * max(queue_depth)@steady
//   until_below(queue_depth, 2000) < 20
//   mean(clickhouse_inserted_mib_per_s) < 0.5 * mean(clickhouse_inserted_mib_per_s)@inline
//   lost == 0
// A side is a number, or an optional `NUMBER *` factor times either an
// aggregate `AGG(COLUMN)` (optionally `@PHASE`; without it, the phase the
// expectation belongs to, or the whole run) or a run figure (`lost`,
// `would_expire` …). Aggregates: max min mean median sum first last over the
// known cells of the window (median: the lower middle one, robust to the
// few seconds at a phase's edge that belong to its neighbour), and until_below(COLUMN, N): seconds from the window's
// start (the load's start for the whole run) to the first second whose
// value is ≤ N (infinite when none is).
// A side that was not measured (no known cell, a figure the run lacks)
// makes the expectation fail, never pass.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/comparison.hpp"
#include "report/report_files.hpp"

#include "loadgen/load_result.hpp"

namespace tracepipe::lab {

using report::timeseries_table;

/// Rows of timeseries.csv whose `second` s has start_s < s ≤ end_s (row s
/// covers the second that ended at s).
struct time_window {
  double start_s = 0, end_s = 0;
};

struct expectation_side {
  enum class kind { number, aggregate, figure };
  kind what = kind::number;
  double factor = 1;   ///< the NUMBER of `NUMBER * …`; the value itself for kind::number
  std::string agg;     ///< max min mean median sum first last until_below
  std::string column;  ///< timeseries.csv column
  double below = 0;    ///< until_below's N
  std::string phase;   ///< `@PHASE`; empty: the expectation's own window
  std::string figure;  ///< run figure name
};

struct expectation {
  std::string text;  ///< as written
  expectation_side left, right;
  report::comparison_op op = report::comparison_op::less;  ///< < <= > >= == != (report/comparison.hpp)

  /// nullopt with *error saying where the text went wrong.
  static std::optional<expectation> parse(std::string_view text, std::string* error = nullptr);
};

/// What an expectation is judged against.
struct expectation_context {
  const timeseries_table* series = nullptr;
  std::map<std::string, time_window, std::less<>> windows;  ///< by phase name
  /// A run figure by name: NaN when the run did not measure it.
  std::function<double(std::string_view)> figure;
};

struct expectation_outcome {
  std::string window;  ///< the phase it belongs to; empty: the whole run
  std::string text;
  double left = 0, right = 0;  ///< NaN: not measured
  bool passed = false;
};

/// Judges `e` with its own window `window` (a key of ctx.windows; empty:
/// every row).
expectation_outcome judge(const expectation& e, std::string_view window, const expectation_context& ctx);

/// True when `name` is a timeseries.csv column (timeseries_columns or
/// component_columns).
bool is_timeseries_column(std::string_view name);

}  // namespace tracepipe::lab

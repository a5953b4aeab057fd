#pragma once
// k6-style pass/fail thresholds over a load run's figures.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_result.hpp"
#include "report/comparison.hpp"

namespace tracepipe::report {

using loadgen::load_result;

/// `http_p99<200ms`, `errors==0`, `rate_ratio>=0.99`: metric, operator, and
/// a number with an optional unit (no expressions). Metrics:
/// http_p50 http_p90 http_p99 http_p999 http_max http_mean (corrected, ms;
/// add `_uncorrected`), sent accepted errors dropped rejected rejected_429
/// rejected_5xx retries achieved_rate target_rate rate_ratio (achieved /
/// target) error_ratio ((errors + rejected + dropped) / offered); with
/// --stack: lag_p50 lag_p90 lag_p99 lag_max visible_p50 … visible_max (ms)
/// lost duplicates late unacknowledged_found — a threshold on a figure the
/// run did not measure fails. Operators < <= > >= == != (report/comparison.hpp);
/// blanks between the parts are fine. Latency units us, ms, s (default ms).
struct threshold {
  std::string text;    ///< as given
  std::string metric;  ///< a name metric_value knows
  comparison_op op = comparison_op::less;
  double value = 0;    ///< in the metric's unit (ms for latencies)
  /// nullopt with *error saying what is wrong ("threshold 'TEXT': why").
  static std::optional<threshold> parse(std::string_view text, std::string* error = nullptr);
};

struct threshold_outcome {
  threshold t;
  double actual = 0;
  bool passed = false;
};

/// The metric's value in `r` (nullopt for an unknown name).
std::optional<double> metric_value(const load_result& r, std::string_view metric);
/// Each threshold against `r`; one on a figure `r` lacks fails.
std::vector<threshold_outcome> evaluate(const std::vector<threshold>& ts, const load_result& r);

}  // namespace tracepipe::report

#pragma once
// A load run's files: summary.json and timeseries.csv.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/load_result.hpp"
#include "report/report_files.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::report {

using loadgen::load_result;

/// timeseries.csv with a header row.
std::string timeseries_csv(const load_result& r);

/// summary.json: sent, accepted, rejected {status: n}, errors, dropped,
/// target_rate, achieved_rate, http_latency_ms {corrected, uncorrected}
/// × {p50, p90, p99, p999, max, mean, count}, runs {...}, thresholds.
std::string summary_json(const load_result& r, const std::vector<threshold_outcome>& thresholds = {});

/// The run's timeseries by column name, as report.html and the scenario
/// expectations read it (parsed from timeseries_csv, in memory).
timeseries_table timeseries_of(const load_result& r);

/// What report.html is drawn from, without the files: the summary and the
/// timeseries of `r` as they are written.
report_inputs inputs_of(const load_result& r, const std::vector<threshold_outcome>& thresholds, std::string source);

}  // namespace tracepipe::report

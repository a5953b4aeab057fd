#pragma once
// Reads a load run's summary.json and timeseries.csv back, by name and
// tolerantly: runs written before a column or key existed, or without the
// stack to measure it, simply lack it.
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_result.hpp"

namespace tracepipe::report {

/// The timeseries.csv columns the report reads, besides component_columns
/// (component_figures.hpp); others are ignored unread, so a future column may
/// hold anything.
inline constexpr std::string_view timeseries_columns[] = {
    "second", "offered_runs", "sent_runs", "sent", "accepted", "429", "5xx", "other_rejected", "errors", "p99_ms",
    "accepted_runs", "inserted_runs", "lag_p50_ms", "lag_p99_ms", "visible_p99_ms", "queue_depth",
    "clickhouse_parts"};

/// timeseries.csv: one column per known header name, one cell per second;
/// an empty cell is nullopt (unknown).
struct timeseries_table {
  std::map<std::string, std::vector<std::optional<double>>, std::less<>> columns;
  std::size_t rows = 0;

  /// The named column, or all-unknown when the file has no such column.
  std::vector<std::optional<double>> column(std::string_view name) const;
};

struct threshold_row {
  std::string text;
  std::optional<double> actual;
  bool passed = false;
};

struct phase_row {
  std::string name;
  double start_s = 0, end_s = 0;
};

/// summary.json flattened: nested keys joined with dots
/// ("http_latency_ms.corrected.p99", "rejected.429"); null and absent are
/// both missing.
struct summary_values {
  std::map<std::string, double, std::less<>> numbers;
  std::map<std::string, std::string, std::less<>> strings;
  std::vector<threshold_row> thresholds;
  std::vector<phase_row> phases;

  std::optional<double> number(std::string_view key) const;
  std::optional<std::string> string(std::string_view key) const;
};

struct report_inputs {
  std::string source;  ///< where the files came from, shown on the page
  summary_values summary;
  timeseries_table timeseries;
};

/// A file that is missing, unreadable or malformed; what() names the file.
struct report_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Both parsers throw report_file_error whose message starts with `file`.
summary_values parse_summary_json(std::string_view text, std::string_view file = "summary.json");
timeseries_table parse_timeseries_csv(std::string_view text, std::string_view file = "timeseries.csv");

/// A file's whole text; throws report_file_error naming it.
std::string read_text_file(const std::filesystem::path& path);

/// DIR/summary.json and DIR/timeseries.csv; throws report_file_error.
report_inputs read_report_files(const std::filesystem::path& dir);

}  // namespace tracepipe::report

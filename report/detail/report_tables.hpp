#pragma once
// The non-chart parts of report.html, kept apart from the page layout.
#include <string>

#include "report/report_files.hpp"

namespace tracepipe::report::detail {

/// 1234567 → "1 234 567" (narrow spaces), 997.5 → "997.5", 41.5 → "41.5", 12.345 → "12.35".
std::string format_value(double v);

/// A row of key figures: rate, HTTP p99, lag p99, thresholds passed.
std::string headline_html(const summary_values& s);

/// Run, requests, runs, latency, lag, data integrity and threshold tables.
std::string summary_tables_html(const summary_values& s);

}  // namespace tracepipe::report::detail

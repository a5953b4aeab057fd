#pragma once
// report.html: one self-contained page (inline CSS and SVG, no network) with
// a load run's charts over time and its summary tables — what a person reads
// instead of summary.json.
#include <string>

#include "report/report_files.hpp"

namespace tracepipe::report {

/// The whole page. Every string taken from the files is HTML-escaped; a
/// chart whose columns are all missing or empty becomes a one-line note.
std::string render_report_html(const report_inputs& in);

}  // namespace tracepipe::report

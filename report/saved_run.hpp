#pragma once
// One load run read back whole from its --out directory (summary.json,
// timeseries.csv, acknowledged_ops.txt) as the load_result it was written
// from — every count, every histogram exactly — so that several generators'
// runs can be merged into one (report/merge.hpp).
#include <filesystem>

#include "loadgen/load_result.hpp"

namespace tracepipe::report {

/// Throws report_file_error naming the file (and the key) when a file is
/// missing or malformed, or when the run was written by a tracepipe that
/// did not write what a merge needs.
loadgen::load_result read_saved_run(const std::filesystem::path& dir);

}  // namespace tracepipe::report

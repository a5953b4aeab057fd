#pragma once
// The live progress line of `tracepipe load`: elapsed/total, achieved vs
// target rate, counts so far, the last second's p99 and, when the stack is
// observed, queue depth and lag p99.
#include <cstdint>
#include <optional>
#include <string>

#include "loadgen/report.hpp"

namespace tracepipe::loadgen {

/// For the second that just ended (r.timeseries.back()).
std::string progress_line(std::uint64_t second, double target_runs_per_s, const load_result& r,
                          std::optional<std::uint64_t> queue_depth, std::optional<double> lag_p99_ms);

}  // namespace tracepipe::loadgen

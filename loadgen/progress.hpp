#pragma once
// The live progress line of `tracepipe load`: elapsed/total, achieved vs
// target rate, counts so far, the last second's p99 and, when the stack is
// observed, queue depth and lag p99.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "loadgen/load_result.hpp"

namespace tracepipe::loadgen {

/// For the second that just ended (r.timeseries.back()).
std::string progress_line(std::uint64_t second, double target_runs_per_s, const load_result& r,
                          std::optional<std::uint64_t> queue_depth, std::optional<double> lag_p99_ms);

enum class progress_mode {
  none,       ///< --quiet
  line,       ///< a terminal: one line rewritten every second
  every_10s,  ///< not a terminal: one summary line per 10 s
};

/// Prints progress_line in the chosen mode.
class progress_printer {
 public:
  progress_printer(progress_mode mode, std::ostream* out) : mode_(mode), out_(out) {}
  void second(std::uint64_t second, double target_runs_per_s, const load_result& r,
              std::optional<std::uint64_t> queue_depth, std::optional<double> lag_p99_ms);
  /// Ends a rewritten line.
  void finish();

 private:
  progress_mode mode_;
  std::ostream* out_;
  bool printed_line_ = false;
};

}  // namespace tracepipe::loadgen

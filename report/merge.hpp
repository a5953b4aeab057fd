#pragma once
// Several generators' runs as one (`tracepipe report merge`): counts add up,
// histograms merge exactly (same layout: the merged percentiles are those of
// one histogram that recorded every request), seconds line up on the wall
// clock, and each generator's acknowledged operations stay a set of its own
// for one reconcile over all of them.
#include <string>
#include <vector>

#include "loadgen/load_result.hpp"

namespace tracepipe::report {

/// A generator's run and where it was read from (named in errors and notes).
struct generator_run {
  std::string dir;
  loadgen::load_result result;
};

struct merged_run {
  loadgen::load_result result;
  std::vector<std::string> notes;  ///< what the user should know: a segment missing, targets that differ
};

/// Throws std::invalid_argument when the runs cannot be one load: none, one
/// run given twice (the same id key), or segments of different splits (1/2
/// with 0/3). Per second: counts add up; p99s, lags and what the generators
/// each sampled of the same stack (queue depth, parts, components) take the
/// highest — a p99 of p99s is not a p99, so a second's p99 is an upper bound
/// where the whole run's come from the merged histograms.
merged_run merge_runs(const std::vector<generator_run>& runs);

}  // namespace tracepipe::report

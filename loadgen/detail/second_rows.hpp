#pragma once
// The load's timeseries as it is written: the counts of the second under
// way and its latency histogram (for the row's p99), closed into a row of
// load_result::timeseries once a second.
#include <cstdint>
#include <vector>

#include "loadgen/histogram.hpp"
#include "loadgen/load_result.hpp"

namespace tracepipe::loadgen::detail {

class second_rows {
 public:
  /// The counts of the second under way.
  second_row& now() { return row_; }
  void record_latency(std::uint64_t corrected_us) { latency_.record(corrected_us); }
  /// Anything sent, answered or timed in the second under way.
  bool active() const { return row_.sent || row_.accepted || row_.errors || latency_.count(); }

  /// Closes the second under way as `second` into `rows` and starts the next.
  void close(std::uint64_t second, std::vector<second_row>& rows) {
    row_.second = second;
    row_.p99_us = latency_.quantile(0.99);
    rows.push_back(row_);
    row_ = {};
    latency_.reset();
  }

 private:
  second_row row_;
  histogram latency_;
};

}  // namespace tracepipe::loadgen::detail

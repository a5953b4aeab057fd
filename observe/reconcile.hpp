#pragma once
// The end of a load run with --stack: every run operation the target
// acknowledged (2xx) is looked up in ClickHouse, waiting up to a deadline
// for the pipeline to drain — Jepsen's queue checker in miniature:
// acknowledged, found, lost, duplicated, late, and found-but-never-
// acknowledged (a request that timed out on the client but landed).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/histogram.hpp"
#include "loadgen/load_result.hpp"
#include "loadgen/request_template.hpp"
#include "observe/stack_target.hpp"

namespace tracepipe::observe {

using loadgen::accepted_request;
using loadgen::histogram;
using loadgen::id_key;
using loadgen::op_key;
using loadgen::request_plan;

struct reconcile_options {
  stack_target target;
  std::chrono::milliseconds deadline{60'000};    ///< wait this long for the last operations to arrive
  std::chrono::milliseconds late_after{10'000};  ///< received → inserted above this counts as late
  std::uint64_t since_us = 0;                    ///< wall clock, µs: the load's start (minus a margin)
  std::uint64_t start_us = 0;                    ///< wall clock, µs: the load's second 0
  std::function<void(const std::string&)> progress;  ///< one line per poll, may be empty
  const std::atomic<bool>* stop = nullptr;           ///< set (Ctrl-C): stop waiting, report what was found
};

/// Per second of the load (by first insert time), as load_result's rows count them.
struct inserted_second {
  std::uint64_t second = 0;
  std::uint64_t runs = 0;          ///< posts of this load first inserted in that second
  std::uint64_t operations = 0;
  double lag_p50_ms = 0, lag_p99_ms = 0;
};

struct reconcile_result {
  std::uint64_t expected = 0;      ///< distinct operations acknowledged
  std::uint64_t found = 0;
  std::uint64_t lost = 0;          ///< acknowledged, not in ClickHouse by the deadline
  std::uint64_t duplicates = 0;    ///< extra rows of an operation not merged away yet
  std::uint64_t late = 0;          ///< found, with lag above late_after
  std::uint64_t unacknowledged = 0;  ///< this load's operations found although never acknowledged
  bool timed_out = false;          ///< the deadline passed with operations missing
  double waited_s = 0;
  histogram lag_us;                ///< received → first inserted, per found operation
  std::vector<inserted_second> per_second;
  std::string error;               ///< non-empty: ClickHouse could not be read (figures incomplete)
};

using loadgen::acknowledged_ops;

/// One pass over reconcile_query's answer (TSV; a Langfuse load's,
/// langfuse_reconcile_query's, whose kind column is the event id): which of
/// the loads' acknowledged operations are there, duplicated, late; rows of
/// other ids are ignored. (reconcile() repeats it until nothing is missing or the
/// deadline passes.) Several loads: one generator's each, counted as one.
reconcile_result tally(std::string_view tsv, const std::vector<acknowledged_ops>& loads,
                       const reconcile_options& options);

reconcile_result reconcile(const std::vector<acknowledged_ops>& loads, const reconcile_options& options);

}  // namespace tracepipe::observe

#pragma once
// Folds what the observer and the reconcile saw into the load result: the
// stack figures of summary.json, and per-second columns of timeseries.csv
// (rows are added past the schedule while inserts were still arriving, so
// the charts show the drain).
#include "loadgen/load_result.hpp"
#include "observe/observer.hpp"
#include "observe/reconcile.hpp"

namespace tracepipe::observe {

using loadgen::load_result;

/// The reconcile's figures into r.stack (made when absent), and its
/// per-second inserted runs and lag into r's rows.
void attach_reconcile(load_result& r, const reconcile_result& reconciled);

/// `reconciled` is null when the reconcile was skipped.
void attach_stack_figures(load_result& r, const observer& watch, const reconcile_result* reconciled,
                          const reconcile_options& options);

}  // namespace tracepipe::observe

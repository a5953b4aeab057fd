#pragma once
// How subcommands stop on SIGINT/SIGTERM. Servers (ingest, worker, serve)
// block both in every thread and wait for one; load runs (load, demo,
// scenario, compare) get flags that a handler sets, so they can drain and
// still write their report.
#include <atomic>

#include "lab/stop_flags.hpp"

namespace tracepipe::tools {

/// Call before starting any thread, so that all inherit the mask.
void block_stop_signals();
/// Returns the signal, or 0 when `failed` became true first.
int wait_for_stop_signal(const std::atomic<bool>& failed);

/// Installs the handler and returns the flags it sets (one set per process).
lab::stop_flags& stop_flags_on_signals();

}  // namespace tracepipe::tools

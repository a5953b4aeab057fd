#pragma once
// Server subcommands stop on SIGINT/SIGTERM: block them in every thread and
// wait for one here, or for a failure elsewhere.
#include <atomic>
#include <csignal>

namespace tracepipe::tools {

/// Call before starting any thread, so that all inherit the mask.
void block_stop_signals();
/// Returns the signal, or 0 when `failed` became true first.
int wait_for_stop_signal(const std::atomic<bool>& failed);

}  // namespace tracepipe::tools

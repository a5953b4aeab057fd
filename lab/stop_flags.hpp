#pragma once
// What Ctrl-C (SIGINT) or SIGTERM does to a lab run. The executable sets
// these from its signal handler (tools/signals.hpp); the lab only reads them.
#include <atomic>

namespace tracepipe::lab {

struct stop_flags {
  /// Ends the load's schedule now; a session clears it again to still drain,
  /// reconcile and write its report.
  std::atomic<bool> requested{false};
  /// Stays set: nothing further starts (the next side, the next load).
  std::atomic<bool> interrupted{false};
};

}  // namespace tracepipe::lab

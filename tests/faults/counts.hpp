#pragma once
// What every fault scenario does with its counts: print the Jepsen-style
// line, write it to <test binary>-results.txt in the working directory (the run's
// lines only; ctest runs in build/tests, tools/test.sh prints the file),
// and check the promise:
// every acknowledged operation is in ClickHouse, once after dedup.
#include <chrono>
#include <functional>
#include <string>

#include "write_path.hpp"

namespace tracepipe::test {

void record(const std::string& scenario, const jepsen_counts& c);

/// lost == 0, duplicates after dedup == 0, the reconcile finished, and the
/// load was not empty.
void expect_nothing_lost(const jepsen_counts& c);

/// Brings a stack component back (resumed, started) whatever happens to the test.
struct restore_guard {
  std::string name;
  ~restore_guard();
};

/// The load starts, then `fault` runs 5 s into it; the load's counts.
jepsen_counts under_load(write_path& path, const load_plan& plan, const std::function<void()>& fault);

/// Waits until a process ends by SIGKILL (a failpoint fired); false if it
/// did not within `limit` or ended otherwise.
bool killed_by_failpoint(child_process& p, std::chrono::milliseconds limit);

}  // namespace tracepipe::test

#include "counts.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>  // program_invocation_short_name (GNU)
#include <csignal>
#include <fstream>
#include <iostream>

namespace tracepipe::test {

void record(const std::string& scenario, const jepsen_counts& c) {
  auto line = c.line(scenario);
  std::cout << line << std::endl;
  // A run's file holds that run's lines only; one file per test binary
  // (fault_tests-results.txt, replica_tests-results.txt), as ctest runs both.
  static bool first = true;
  std::ofstream(std::string(program_invocation_short_name) + "-results.txt", first ? std::ios::trunc : std::ios::app)
      << line << '\n';
  first = false;
}

void expect_nothing_lost(const jepsen_counts& c) {
  EXPECT_FALSE(c.reconcile_timed_out) << "the reconcile gave up before every acknowledged operation landed";
  EXPECT_GT(c.acknowledged, 0u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicated_after_dedup, 0u);
}

bool killed_by_failpoint(child_process& p, std::chrono::milliseconds limit) {
  auto status = p.wait_exit(limit);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

}  // namespace tracepipe::test

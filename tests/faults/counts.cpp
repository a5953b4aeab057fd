#include "counts.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>  // program_invocation_short_name (GNU)
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "stack/stack.hpp"
#include "stack_fixture.hpp"

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

restore_guard::~restore_guard() {
  try {
    stack::pause_component(stack_dir(), name, false, std::cerr);
  } catch (const std::exception&) {
  }  // not running: started below
  for (const auto& c : stack::status(stack_dir()))
    if (c.name == name && !c.alive) stack::start_component(stack_dir(), name, std::cerr);
}

jepsen_counts under_load(write_path& path, const load_plan& plan, const std::function<void()>& fault) {
  path.start_load(plan);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  fault();
  return path.finish_load();
}

bool killed_by_failpoint(child_process& p, std::chrono::milliseconds limit) {
  auto status = p.wait_exit(limit);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

}  // namespace tracepipe::test

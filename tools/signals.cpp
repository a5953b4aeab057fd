#include "tools/signals.hpp"

#include <pthread.h>

#include <csignal>
#include <ctime>

namespace tracepipe::tools {
namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

lab::stop_flags flags;

extern "C" void on_stop_signal(int) {
  flags.interrupted.store(true);
  flags.requested.store(true);
}

}  // namespace

lab::stop_flags& stop_flags_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return flags;
}

void block_stop_signals() {
  auto set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal(const std::atomic<bool>& failed) {
  auto set = stop_set();
  timespec tick{0, 200'000'000};
  while (!failed) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig > 0) return sig;
  }
  return 0;
}

}  // namespace tracepipe::tools

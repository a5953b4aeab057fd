#include "config/failpoint.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace tracepipe::config {
namespace {

struct armed_failpoint {
  std::string name;
  long fire_at = 0;  // 0: disarmed
};

/// Parsed once, on first use; a malformed value leaves it disarmed.
armed_failpoint parse(const char* v) {
  armed_failpoint a;
  if (!v) return a;
  std::string s(v);
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return a;
  char* end = nullptr;
  long n = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || n < 1) return a;
  a.name = s.substr(0, colon);
  a.fire_at = n;
  return a;
}

}  // namespace

void failpoint(std::string_view name) {
  static const armed_failpoint f = parse(std::getenv("TRACEPIPE_FAILPOINT"));
  static std::atomic<long> passes{0};
  if (f.fire_at == 0 || name != f.name) return;
  if (passes.fetch_add(1) + 1 == f.fire_at) ::kill(::getpid(), SIGKILL);
}

}  // namespace tracepipe::config

#include "ingest/open_files.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

namespace tracepipe::ingest {

std::optional<std::string> raise_open_files_limit(std::uint64_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return std::nullopt;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= wanted) return std::nullopt;
  auto target = rl.rlim_max == RLIM_INFINITY ? wanted : std::min<std::uint64_t>(wanted, rl.rlim_max);
  if (target > rl.rlim_cur) {
    rlimit raised = rl;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur >= wanted) return std::nullopt;
  return fmt::format(
      "the open-file limit is {} (hard limit {}), below the {} that ingest.max_connections needs; connections past it "
      "wait in the listen backlog (raise it with ulimit -n or LimitNOFILE=, or lower ingest.max_connections)",
      rl.rlim_cur, rl.rlim_max == RLIM_INFINITY ? std::string("unlimited") : std::to_string(rl.rlim_max), wanted);
}

}  // namespace tracepipe::ingest

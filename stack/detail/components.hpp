#pragma once

#include "stack/detail/state.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tracepipe::stack::detail {

/// How to launch and probe one server; derived from the saved state alone,
/// so `start_component` relaunches it exactly as `up` did.
struct component {
  std::string name;
  std::string endpoint;                       ///< what clients connect to
  std::string check;                          ///< what "answers" means, for messages
  std::vector<std::filesystem::path> logs;    ///< tailed when it fails to start
  /// Writes its config, creates its data dir, returns argv (argv[0] absolute).
  std::function<std::vector<std::string>()> prepare;
  /// One readiness probe bounded by the timeout.
  std::function<bool(std::chrono::milliseconds)> ready;
};

/// The component called `name`; throws `error` for an unknown name.
component make_component(const stack_state& s, const std::string& name);

/// The s3rver entry point: `configured`, else $TRACEPIPE_S3RVER, else
/// `.deps/node_modules/.bin/s3rver` upward from the executable and the cwd.
/// Throws `error` pointing at tools/setup.sh if none exists.
std::string find_s3rver(const std::string& configured);

}  // namespace tracepipe::stack::detail

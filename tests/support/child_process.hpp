#pragma once
// A tracepipe subprocess for tests that must kill -9 a real process, and
// reading what such a process (or a shell command) wrote to its log.
#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace tracepipe::test {

class child_process {
 public:
  using environment = std::vector<std::pair<std::string, std::string>>;
  /// Starts `argv` with stdout+stderr appended to `log_path`, and `env`
  /// added to this process's environment.
  child_process(const std::vector<std::string>& argv, const std::string& log_path, const environment& env = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  void kill_hard();  ///< SIGKILL, then reap
  void terminate();  ///< SIGTERM, then reap (waits)
  /// Waits up to `limit` for the process to end by itself: its wait status
  /// (see WIFEXITED/WTERMSIG), or nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds limit);
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
};

struct captured_run {
  int exit_code = -1;  // -1: killed or did not exit normally
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Runs argv (a path) with exactly the environment env ("K=V"), stdin from
/// /dev/null, capturing stdout and stderr; killed after `timeout`.
captured_run run_captured(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds timeout);

/// This process's environment ("K=V") without the variables whose names
/// start with one of `dropped_prefixes`, plus `extra`: a client started
/// with only the settings the test gives it.
std::vector<std::string> environment_without(const std::vector<std::string>& dropped_prefixes,
                                             const std::vector<std::pair<std::string, std::string>>& extra);

/// The first executable `name` in a directory of $PATH.
std::optional<std::string> find_on_path(const std::string& name);

/// The whole of a file; empty when it does not exist (yet).
std::string slurp(const std::filesystem::path& path);

/// Waits up to `limit` for `pattern` to match in the file at `log` (a child
/// announcing its port, say): the match's first group, or nullopt. `said`
/// gets the file as last read either way, for the failure message.
std::optional<std::string> wait_for_in_log(const std::filesystem::path& log, const std::regex& pattern,
                                           std::string& said,
                                           std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace tracepipe::test

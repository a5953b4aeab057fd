#pragma once
// A tracepipe subprocess for tests that must kill -9 a real process.
#include <chrono>
#include <optional>
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

}  // namespace tracepipe::test

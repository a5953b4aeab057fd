#pragma once
// A tracepipe subprocess for tests that must kill -9 a real process.
#include <string>
#include <vector>

namespace tracepipe::test {

class child_process {
 public:
  /// Starts `argv` with stdout+stderr appended to `log_path`.
  child_process(const std::vector<std::string>& argv, const std::string& log_path);
  ~child_process();
  void kill_hard();  ///< SIGKILL, then reap
  void terminate();  ///< SIGTERM, then reap (waits)
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
};

}  // namespace tracepipe::test

#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tracepipe::stack::detail {

/// A process we started. The kernel start time tells it apart from a later
/// process that got the same pid.
struct process_id {
  int pid = 0;
  unsigned long long start_time = 0;  ///< field 22 of /proc/PID/stat
};

/// Absolute path of `name` found in $PATH or `extra_dirs`; empty if none.
std::string find_program(const std::string& name, const std::vector<std::string>& extra_dirs = {});

/// fork + exec of `argv` (argv[0] an absolute path) in a new session, so it
/// outlives us and our terminal's signals; stdin from /dev/null, stdout and
/// stderr appended to `log_path`, cwd `cwd`. Throws `error` if exec fails.
process_id spawn(const std::vector<std::string>& argv, const std::string& cwd,
                 const std::string& log_path);

/// Start time of `pid`, or nullopt if there is no such process (zombies included).
std::optional<unsigned long long> start_time_of(int pid);

/// True while the recorded process runs; a dead child of ours is reaped.
bool alive(const process_id& p);

/// Writes "PID START_TIME" to `path` (temp file + rename).
void write_pidfile(const std::string& path, const process_id& p);

/// The pidfile's content; nullopt if missing or malformed.
std::optional<process_id> read_pidfile(const std::string& path);

/// SIGTERM to each live process, waits up to `grace`, then SIGKILLs the
/// process groups still there; returns once all are gone.
void stop(const std::vector<process_id>& procs, std::chrono::milliseconds grace);

/// SIGKILL to each live process's group — a crash, not a shutdown — and
/// returns once all are gone.
void kill_now(const std::vector<process_id>& procs);

/// The last `lines` lines of a file; empty if unreadable.
std::string tail(const std::string& path, int lines);

}  // namespace tracepipe::stack::detail

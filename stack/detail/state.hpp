#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace tracepipe::stack::detail {

/// Everything needed to relaunch a component exactly as `up` did; saved in
/// DIR/stack.state before the servers start.
struct stack_state {
  std::filesystem::path dir;  ///< absolute
  int redis_port = 0;
  int clickhouse_http_port = 0;
  int clickhouse_tcp_port = 0;
  int s3_port = 0;
  std::string s3rver_path;
  std::string bucket;
  std::chrono::seconds deadline{60};
};

/// DIR/<name>: stack.env, stack.state, logs/<component>.log, pids/<component>.pid.
std::filesystem::path env_path(const std::filesystem::path& dir);
std::filesystem::path state_path(const std::filesystem::path& dir);
std::filesystem::path log_path(const std::filesystem::path& dir, const std::string& component);
std::filesystem::path pid_path(const std::filesystem::path& dir, const std::string& component);

void save_state(const stack_state& s);

/// Reads DIR/stack.state; nullopt if `up` never ran there.
std::optional<stack_state> load_state(const std::filesystem::path& dir);

/// The endpoints and credentials clients need, as written to DIR/stack.env.
std::map<std::string, std::string> env_of(const stack_state& s);

/// Writes shell-sourceable KEY=VALUE lines atomically (temp file + rename).
void write_env_file(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                    const std::string& header);

/// Parses what `write_env_file` wrote; nullopt if the file is missing.
std::optional<std::map<std::string, std::string>> read_env_file(const std::filesystem::path& path);

}  // namespace tracepipe::stack::detail

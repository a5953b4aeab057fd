#include "stack/detail/state.hpp"

#include "stack/stack.hpp"

#include <fstream>
#include <optional>

#include <fmt/format.h>

namespace tracepipe::stack::detail {
namespace {

namespace fs = std::filesystem;

/// Single quotes unless the value is plainly safe for sh.
std::string shell_quote(const std::string& v) {
  if (v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+,-") ==
      std::string::npos)
    return v;
  std::string out = "'";
  for (char c : v) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_unquote(const std::string& v) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\'') quoted = !quoted;
    else if (!quoted && v[i] == '\\' && i + 1 < v.size()) out += v[++i];
    else out += v[i];
  }
  return out;
}

int to_port(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  try {
    if (it != kv.end()) return std::stoi(it->second);
  } catch (const std::exception&) {
  }
  throw error(fmt::format("stack state has no valid {}", key));
}

}  // namespace

fs::path env_path(const fs::path& dir) { return dir / "stack.env"; }
fs::path state_path(const fs::path& dir) { return dir / "stack.state"; }
fs::path log_path(const fs::path& dir, const std::string& c) { return dir / "logs" / (c + ".log"); }
fs::path pid_path(const fs::path& dir, const std::string& c) { return dir / "pids" / (c + ".pid"); }

void save_state(const stack_state& s) {
  write_env_file(state_path(s.dir),
                 {{"REDIS_PORT", std::to_string(s.redis_port)},
                  {"CLICKHOUSE_HTTP_PORT", std::to_string(s.clickhouse_http_port)},
                  {"CLICKHOUSE_TCP_PORT", std::to_string(s.clickhouse_tcp_port)},
                  {"S3_PORT", std::to_string(s.s3_port)},
                  {"S3RVER_PATH", s.s3rver_path},
                  {"S3_BUCKET", s.bucket},
                  {"DEADLINE_SECONDS", std::to_string(s.deadline.count())}},
                 "# tracepipe stack: how each component was launched (read by start_component)");
}

std::optional<stack_state> load_state(const fs::path& dir) {
  auto kv = read_env_file(state_path(dir));
  if (!kv) return std::nullopt;
  stack_state s;
  s.dir = dir;
  s.redis_port = to_port(*kv, "REDIS_PORT");
  s.clickhouse_http_port = to_port(*kv, "CLICKHOUSE_HTTP_PORT");
  s.clickhouse_tcp_port = to_port(*kv, "CLICKHOUSE_TCP_PORT");
  s.s3_port = to_port(*kv, "S3_PORT");
  s.s3rver_path = (*kv)["S3RVER_PATH"];
  s.bucket = (*kv)["S3_BUCKET"];
  s.deadline = std::chrono::seconds(to_port(*kv, "DEADLINE_SECONDS"));
  return s;
}

std::map<std::string, std::string> env_of(const stack_state& s) {
  return {
      {"REDIS_URL", fmt::format("redis://127.0.0.1:{}", s.redis_port)},
      {"CLICKHOUSE_URL", fmt::format("http://127.0.0.1:{}", s.clickhouse_http_port)},
      {"CLICKHOUSE_TCP_PORT", std::to_string(s.clickhouse_tcp_port)},
      {"CLICKHOUSE_USER", "default"},
      {"CLICKHOUSE_PASSWORD", ""},
      {"S3_ENDPOINT", fmt::format("http://127.0.0.1:{}", s.s3_port)},
      {"S3_BUCKET", s.bucket},
      {"S3_REGION", "us-east-1"},
      // s3rver's fixed account; it does not check SigV4 signatures.
      {"AWS_ACCESS_KEY_ID", "S3RVER"},
      {"AWS_SECRET_ACCESS_KEY", "S3RVER"},
      {"TRACEPIPE_STACK_DIR", s.dir.string()},
  };
}

void write_env_file(const fs::path& path, const std::map<std::string, std::string>& env,
                    const std::string& header) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << header << '\n';
    for (const auto& [k, v] : env) out << k << '=' << shell_quote(v) << '\n';
    if (!out.flush()) throw error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, path);
}

std::optional<std::map<std::string, std::string>> read_env_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> env;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    env[line.substr(0, eq)] = shell_unquote(line.substr(eq + 1));
  }
  return env;
}

}  // namespace tracepipe::stack::detail

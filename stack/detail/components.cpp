#include "stack/detail/components.hpp"

#include "stack/detail/clickhouse_config.hpp"
#include "stack/detail/probe.hpp"
#include "stack/detail/process.hpp"
#include "stack/stack.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace tracepipe::stack::detail {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> sbin_dirs = {"/usr/sbin", "/usr/local/sbin", "/sbin"};

std::string require_program(const std::string& name) {
  auto path = find_program(name, sbin_dirs);
  if (path.empty())
    throw error(fmt::format("{} not found in PATH or /usr/sbin; run tools/setup.sh", name));
  return path;
}

/// redis.conf string syntax: double quotes with backslash escapes.
std::string redis_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> prepare_redis(const stack_state& s) {
  auto exe = require_program("redis-server");
  auto data = s.dir / "redis";
  fs::create_directories(data);
  auto conf = data / "redis.conf";
  std::ofstream(conf, std::ios::trunc) << fmt::format(
      "# tracepipe stack: durable queue, loopback only\n"
      "bind 127.0.0.1\n"
      "port {}\n"
      "daemonize no\n"
      "logfile \"\"\n"
      "dir {}\n"
      // AOF alone: RDB snapshots would fork and stall under load for nothing.
      "save \"\"\n"
      "appendonly yes\n"
      "appendfsync everysec\n"
      // A queue's AOF is mostly entries already deleted again; rewriting it
      // at the default 64 MB meant a fork every few seconds under load.
      "auto-aof-rewrite-min-size 1gb\n"
      // A full queue must refuse writes, never drop unconsumed entries.
      "maxmemory-policy noeviction\n",
      s.redis_port, redis_quote(data.string()));
  return {exe, conf.string()};
}

std::vector<std::string> prepare_clickhouse(const stack_state& s) {
  auto exe = require_program("clickhouse-server");
  auto config = write_clickhouse_config(
      {(s.dir / "clickhouse").string(), s.clickhouse_http_port, s.clickhouse_tcp_port});
  return {exe, "--config-file=" + config};
}

/// True for a node script: we exec node on it ourselves so the pid we
/// record is the server, whatever wrapper the shebang would go through.
bool is_node_script(const fs::path& p) {
  if (p.extension() == ".js") return true;
  std::ifstream in(p);
  std::string first;
  std::getline(in, first);
  return first.rfind("#!", 0) == 0 && first.find("node") != std::string::npos;
}

std::vector<std::string> prepare_s3(const stack_state& s) {
  auto script = fs::canonical(find_s3rver(s.s3rver_path));
  auto data = s.dir / "s3";
  fs::create_directories(data);
  std::vector<std::string> argv;
  if (is_node_script(script)) argv = {require_program("node")};
  argv.insert(argv.end(), {script.string(), "--directory", data.string(), "--address", "127.0.0.1",
                           "--port", std::to_string(s.s3_port),
                           // Last: s3rver takes the words after the bucket name as config files.
                           "--configure-bucket", s.bucket});
  return argv;
}

/// `dir/.deps/node_modules/.bin/s3rver` in `start` or any parent.
std::string search_upward(fs::path start) {
  for (auto d = start; !d.empty(); d = d.parent_path()) {
    auto candidate = d / ".deps" / "node_modules" / ".bin" / "s3rver";
    if (fs::exists(candidate)) return candidate.string();
    if (d == d.root_path()) break;
  }
  return {};
}

}  // namespace

component make_component(const stack_state& s, const std::string& name) {
  auto logs = std::vector<fs::path>{log_path(s.dir, name)};
  if (name == "redis")
    return {name, fmt::format("redis://127.0.0.1:{}", s.redis_port), "PING", logs,
            [s] { return prepare_redis(s); },
            [port = s.redis_port](auto timeout) { return redis_ping(port, timeout); }};
  if (name == "clickhouse") {
    // Startup errors land in its own error log, not on stderr.
    logs.push_back(s.dir / "clickhouse" / "log" / "clickhouse-server.err.log");
    return {name, fmt::format("http://127.0.0.1:{}", s.clickhouse_http_port), "SELECT 1 over HTTP",
            logs, [s] { return prepare_clickhouse(s); },
            [port = s.clickhouse_http_port](auto timeout) { return clickhouse_select_1(port, timeout); }};
  }
  if (name == "s3")
    return {name, fmt::format("http://127.0.0.1:{}", s.s3_port), "HEAD /" + s.bucket, logs,
            [s] { return prepare_s3(s); },
            [port = s.s3_port, bucket = s.bucket](auto timeout) {
              return s3_head_bucket(port, bucket, timeout);
            }};
  throw error(fmt::format("unknown stack component \"{}\" (expected redis, clickhouse or s3)", name));
}

std::string find_s3rver(const std::string& configured) {
  if (!configured.empty()) {
    if (!fs::exists(configured))
      throw error(fmt::format("s3rver not found at {}; run tools/setup.sh", configured));
    return fs::absolute(configured).string();
  }
  if (const char* env = std::getenv("TRACEPIPE_S3RVER"); env && *env) {
    if (!fs::exists(env))
      throw error(fmt::format("s3rver not found at TRACEPIPE_S3RVER={}; run tools/setup.sh", env));
    return fs::absolute(env).string();
  }
  std::error_code exe_ec, cwd_ec;
  auto exe_dir = fs::read_symlink("/proc/self/exe", exe_ec).parent_path();
  auto cwd = fs::current_path(cwd_ec);
  for (const auto& start : {exe_ec ? fs::path() : exe_dir, cwd_ec ? fs::path() : cwd}) {
    if (start.empty()) continue;
    if (auto found = search_upward(start); !found.empty()) return found;
  }
  throw error(
      "s3rver not found: no .deps/node_modules/.bin/s3rver above the executable or the current "
      "directory; run tools/setup.sh (or set TRACEPIPE_S3RVER)");
}

}  // namespace tracepipe::stack::detail

#include "stack/detail/components.hpp"

#include "stack/detail/clickhouse_config.hpp"
#include "stack/detail/probe.hpp"
#include "stack/detail/process.hpp"
#include "stack/stack.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

fs::path redis_dir(const stack_state& s, std::size_t index) {
  return s.dir / (s.redis_cluster() ? fmt::format("redis-{}", index + 1) : "redis");
}

std::vector<std::string> prepare_redis(const stack_state& s, std::size_t index) {
  auto exe = require_program("redis-server");
  auto data = redis_dir(s, index);
  fs::create_directories(data);
  auto conf = data / "redis.conf";
  std::ofstream out(conf, std::ios::trunc);
  out << fmt::format(
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
      s.redis_ports.at(index), redis_quote(data.string()));
  if (s.redis_cluster())
    out << fmt::format(
        "cluster-enabled yes\n"
        "cluster-config-file nodes.conf\n"
        "cluster-port {}\n"
        "cluster-node-timeout {}\n"
        // A shard whose master is gone (and has no replica to promote) stops
        // only its own slots: the other shards' queues keep flowing.
        "cluster-require-full-coverage no\n"
        // A replica cut off from its master for a while (paused, restarted)
        // may still take over: losing the shard is worse than a stale copy.
        "cluster-replica-validity-factor 0\n"
        // A replica's first sync starts at once, not after 5 s of waiting
        // for other replicas to share it.
        "repl-diskless-sync-delay 0\n",
        s.redis_bus_ports.at(index), s.redis_node_timeout.count());
  return {exe, conf.string()};
}

fs::path clickhouse_dir(const stack_state& s, std::size_t index) {
  return s.dir / (s.replicated() ? fmt::format("clickhouse-{}", index + 1) : "clickhouse");
}

std::vector<std::string> prepare_clickhouse(const stack_state& s, std::size_t index) {
  auto exe = require_program("clickhouse-server");
  const auto& ports = s.clickhouse.at(index);
  clickhouse_layout layout{clickhouse_dir(s, index).string(), ports.http, ports.tcp, ports.merge_threads};
  if (!s.replicated()) return {exe, "--config-file=" + write_clickhouse_config(layout)};
  replica_layout replica{cluster_name, static_cast<int>(index + 1), {}, ports.interserver, s.zookeeper_port};
  for (const auto& p : s.clickhouse) replica.tcp_ports.push_back(p.tcp);
  return {exe, "--config-file=" + write_clickhouse_config(layout, &replica)};
}

/// Debian's zookeeper 3.8 as one standalone server. The classpath is exactly
/// these jars (zookeeper.jar's manifest brings its own dependencies): a glob
/// over /usr/share/java would also load Maven's slf4j provider, which breaks
/// the start; slf4j-log4j12 + log4j 1.2 send its log to stdout, i.e. our log.
std::vector<std::string> prepare_zookeeper(const stack_state& s) {
  auto java = require_program("java");
  const fs::path jars = "/usr/share/java";
  for (const char* jar : {"zookeeper.jar", "slf4j-log4j12.jar", "log4j-1.2.jar"})
    if (!fs::exists(jars / jar))
      throw error(fmt::format("{} is missing (Debian's zookeeper package); run tools/setup.sh", (jars / jar).string()));
  auto dir = s.dir / "zookeeper";
  fs::create_directories(dir / "data");
  fs::create_directories(dir / "conf");
  std::ofstream(dir / "conf" / "log4j.properties", std::ios::trunc)
      << "log4j.rootLogger=INFO, CONSOLE\n"
         "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n"
         "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n"
         "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %m%n\n";
  auto cfg = dir / "conf" / "zoo.cfg";
  std::ofstream(cfg, std::ios::trunc) << fmt::format(
      "# tracepipe stack: one ZooKeeper node, loopback only\n"
      "tickTime=2000\n"
      "dataDir={}\n"
      "clientPort={}\n"
      "clientPortAddress=127.0.0.1\n"
      "admin.enableServer=false\n"
      "4lw.commands.whitelist=ruok\n",
      (dir / "data").string(), s.zookeeper_port);
  auto classpath = fmt::format("{}:{}:{}:{}", (dir / "conf").string(), (jars / "zookeeper.jar").string(),
                               (jars / "slf4j-log4j12.jar").string(), (jars / "log4j-1.2.jar").string());
  // A small heap and the serial collector: one client per ClickHouse server on 2 cores.
  return {java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", classpath,
          "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg.string()};
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
  if (auto index = redis_index(s, name)) {
    int port = s.redis_ports[*index];
    return {name, fmt::format("redis://127.0.0.1:{}", port), "PING", logs,
            [s, i = *index] { return prepare_redis(s, i); },
            [port](auto timeout) { return redis_ping(port, timeout); }};
  }
  if (auto index = clickhouse_index(s, name)) {
    // Startup errors land in its own error log, not on stderr.
    logs.push_back(clickhouse_dir(s, *index) / "log" / "clickhouse-server.err.log");
    int port = s.clickhouse[*index].http;
    return {name, fmt::format("http://127.0.0.1:{}", port), "SELECT 1 over HTTP", logs,
            [s, i = *index] { return prepare_clickhouse(s, i); },
            [port](auto timeout) { return clickhouse_select_1(port, timeout); }};
  }
  if (name == "zookeeper" && s.zookeeper_port)
    return {name, fmt::format("127.0.0.1:{}", s.zookeeper_port), "ruok", logs, [s] { return prepare_zookeeper(s); },
            [port = s.zookeeper_port](auto timeout) { return zookeeper_ruok(port, timeout); }};
  if (name == "s3")
    return {name, fmt::format("http://127.0.0.1:{}", s.s3_port), "HEAD /" + s.bucket, logs,
            [s] { return prepare_s3(s); },
            [port = s.s3_port, bucket = s.bucket](auto timeout) {
              return s3_head_bucket(port, bucket, timeout);
            }};
  throw error(fmt::format("unknown stack component \"{}\" (this stack has {})", name,
                          fmt::join(component_names(s), ", ")));
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

#include "stack/detail/state.hpp"

#include "stack/stack.hpp"

#include <algorithm>
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

int parse_port(const std::string& text, const std::string& key) {
  try {
    std::size_t used = 0;
    int port = std::stoi(text, &used);
    if (used == text.size() && port >= 0 && port <= 65535) return port;
  } catch (const std::exception&) {
  }
  throw error(fmt::format("stack state has no valid {}", key));
}

/// A whole number ≥ 0 the state wrote.
int to_number(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  try {
    std::size_t used = 0;
    auto text = it == kv.end() ? std::string() : it->second;
    int n = std::stoi(text, &used);
    if (used == text.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  throw error(fmt::format("stack state has no valid {}", key));
}

int to_port(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  return parse_port(it == kv.end() ? "" : it->second, key);
}

/// "8123,8124,8125" → ports; the state writes these lists itself.
std::vector<int> to_ports(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  auto text = it == kv.end() ? std::string() : it->second;
  std::vector<int> out;
  for (std::size_t at = 0; at <= text.size();) {
    auto comma = std::min(text.find(',', at), text.size());
    out.push_back(parse_port(text.substr(at, comma - at), key));
    at = comma + 1;
  }
  return out;
}

std::string join_ports(const std::vector<int>& ports) {
  std::string out;
  for (auto p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

std::string join_ports(const std::vector<clickhouse_ports>& servers, int clickhouse_ports::*port) {
  std::vector<int> ports;
  for (const auto& p : servers) ports.push_back(p.*port);
  return join_ports(ports);
}

/// "name:1" … "name:n", or "name" alone when n is 1.
std::vector<std::string> numbered(const std::string& name, std::size_t n) {
  if (n == 1) return {name};
  std::vector<std::string> out;
  for (std::size_t i = 1; i <= n; ++i) out.push_back(fmt::format("{}:{}", name, i));
  return out;
}

std::optional<std::size_t> index_in(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? std::nullopt : std::optional<std::size_t>(it - names.begin());
}


}  // namespace

std::vector<std::string> component_names(const stack_state& s) {
  auto names = numbered("redis", s.redis_ports.size());
  if (s.replicated()) names.push_back("zookeeper");
  for (auto& name : numbered("clickhouse", s.clickhouse.size())) names.push_back(std::move(name));
  names.push_back("s3");
  return names;
}

std::optional<std::size_t> redis_index(const stack_state& s, const std::string& name) {
  return index_in(numbered("redis", s.redis_ports.size()), name);
}

std::optional<std::size_t> clickhouse_index(const stack_state& s, const std::string& name) {
  return index_in(numbered("clickhouse", s.clickhouse.size()), name);
}

fs::path env_path(const fs::path& dir) { return dir / "stack.env"; }
fs::path state_path(const fs::path& dir) { return dir / "stack.state"; }
fs::path log_path(const fs::path& dir, const std::string& c) { return dir / "logs" / (c + ".log"); }
fs::path pid_path(const fs::path& dir, const std::string& c) { return dir / "pids" / (c + ".pid"); }

void save_state(const stack_state& s) {
  write_env_file(state_path(s.dir),
                 {{"REDIS_PORTS", join_ports(s.redis_ports)},
                  {"REDIS_BUS_PORTS", join_ports(s.redis_bus_ports)},
                  {"REDIS_REPLICAS", std::to_string(s.redis_replicas)},
                  {"REDIS_NODE_TIMEOUT_MS", std::to_string(s.redis_node_timeout.count())},
                  {"CLICKHOUSE_HTTP_PORTS", join_ports(s.clickhouse, &clickhouse_ports::http)},
                  {"CLICKHOUSE_TCP_PORTS", join_ports(s.clickhouse, &clickhouse_ports::tcp)},
                  {"CLICKHOUSE_INTERSERVER_PORTS", join_ports(s.clickhouse, &clickhouse_ports::interserver)},
                  {"CLICKHOUSE_MERGE_THREADS", join_ports(s.clickhouse, &clickhouse_ports::merge_threads)},
                  {"ZOOKEEPER_PORT", std::to_string(s.zookeeper_port)},
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
  // REDIS_PORT: a stack started before Redis Cluster support, still to be stopped.
  s.redis_ports = kv->count("REDIS_PORTS") ? to_ports(*kv, "REDIS_PORTS") : std::vector<int>{to_port(*kv, "REDIS_PORT")};
  if (s.redis_cluster()) s.redis_bus_ports = to_ports(*kv, "REDIS_BUS_PORTS");
  if (s.redis_bus_ports.size() != (s.redis_cluster() ? s.redis_ports.size() : 0))
    throw error("stack state lists different numbers of Redis ports and cluster bus ports");
  s.redis_replicas = s.redis_cluster() ? to_number(*kv, "REDIS_REPLICAS") : 0;
  if (s.redis_cluster()) s.redis_node_timeout = std::chrono::milliseconds(to_number(*kv, "REDIS_NODE_TIMEOUT_MS"));
  if (s.redis_cluster() && s.redis_ports.size() % static_cast<std::size_t>(s.redis_replicas + 1) != 0)
    throw error("stack state: the Redis node count is not a multiple of the replicas per master + 1");
  auto http = to_ports(*kv, "CLICKHOUSE_HTTP_PORTS");
  auto tcp = to_ports(*kv, "CLICKHOUSE_TCP_PORTS");
  auto interserver = to_ports(*kv, "CLICKHOUSE_INTERSERVER_PORTS");
  if (tcp.size() != http.size() || interserver.size() != http.size())
    throw error("stack state lists different numbers of ClickHouse ports");
  // Small whole numbers, read as the port lists are; absent from a stack
  // started before merge limits existed.
  auto merge_threads = kv->count("CLICKHOUSE_MERGE_THREADS") ? to_ports(*kv, "CLICKHOUSE_MERGE_THREADS")
                                                             : std::vector<int>(http.size(), 0);
  if (merge_threads.size() != http.size()) throw error("stack state lists different numbers of ClickHouse servers");
  for (std::size_t i = 0; i < http.size(); ++i)
    s.clickhouse.push_back({http[i], tcp[i], interserver[i], merge_threads[i]});
  s.zookeeper_port = to_port(*kv, "ZOOKEEPER_PORT");
  s.s3_port = to_port(*kv, "S3_PORT");
  s.s3rver_path = (*kv)["S3RVER_PATH"];
  s.bucket = (*kv)["S3_BUCKET"];
  s.deadline = std::chrono::seconds(to_number(*kv, "DEADLINE_SECONDS"));
  return s;
}

std::map<std::string, std::string> env_of(const stack_state& s) {
  std::string redis_urls;
  for (auto port : s.redis_ports) redis_urls += fmt::format("{}redis://127.0.0.1:{}", redis_urls.empty() ? "" : ",", port);
  std::string urls;
  for (const auto& p : s.clickhouse) urls += fmt::format("{}http://127.0.0.1:{}", urls.empty() ? "" : ",", p.http);
  std::map<std::string, std::string> env{
      // The first node; on a cluster, any node answers for the whole (redis-cli -c).
      {"REDIS_URL", fmt::format("redis://127.0.0.1:{}", s.redis_ports.at(0))},
      // Every node of a Redis Cluster (tracepipe's redis.cluster takes the
      // list as seed nodes); empty for a standalone Redis.
      {"REDIS_CLUSTER", s.redis_cluster() ? redis_urls : ""},
      // The first server, for clients that take one URL (curl, clickhouse-client).
      {"CLICKHOUSE_URL", fmt::format("http://127.0.0.1:{}", s.clickhouse.at(0).http)},
      {"CLICKHOUSE_TCP_PORT", std::to_string(s.clickhouse.at(0).tcp)},
      // Every server (tracepipe's clickhouse.url takes the list) and the
      // cluster's name: empty on a single node.
      {"CLICKHOUSE_URLS", urls},
      {"CLICKHOUSE_CLUSTER", s.replicated() ? cluster_name : ""},
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
  if (s.zookeeper_port) env["ZOOKEEPER"] = fmt::format("127.0.0.1:{}", s.zookeeper_port);
  return env;
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

#include "stack/detail/clickhouse_config.hpp"

#include "stack/stack.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace tracepipe::stack::detail {
namespace {

namespace fs = std::filesystem;

const std::string defaults_dir = "/etc/clickhouse-server";

/// Top-level elements we replace; with every `*_port` they are all the
/// places the defaults name a path outside our dir or a listening socket.
const std::set<std::string> replaced = {
    "logger", "path", "tmp_path", "user_files_path", "format_schema_path", "users_config",
    "listen_host", "interserver_http_host", "prometheus",
};

/// Replaced as well when the server is a replica of the stack's cluster.
const std::set<std::string> replaced_for_replica = {"remote_servers", "zookeeper", "macros", "distributed_ddl"};

std::string strip_comments(const std::string& xml) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto open = xml.find("<!--", pos);
    out.append(xml, pos, open == std::string::npos ? std::string::npos : open - pos);
    if (open == std::string::npos) return out;
    auto close = xml.find("-->", open + 4);
    if (close == std::string::npos) return out;
    pos = close + 3;
  }
}

struct element {
  std::string name;
  std::size_t begin, end;  ///< [begin, end) from '<' to past the closing '>'
};

/// The root's direct children. Enough XML for config files: tags, `/>`,
/// `<?…?>` and CDATA; comments are already gone.
std::vector<element> top_level(const std::string& xml) {
  std::vector<element> out;
  int depth = 0;
  std::size_t pos = 0, child_begin = 0;
  std::string child_name;
  while ((pos = xml.find('<', pos)) != std::string::npos) {
    if (xml.compare(pos, 9, "<![CDATA[") == 0) {
      pos = xml.find("]]>", pos);
      continue;
    }
    auto close = xml.find('>', pos);
    if (close == std::string::npos) break;
    bool closing = xml[pos + 1] == '/';
    bool special = xml[pos + 1] == '?' || xml[pos + 1] == '!';
    bool self_closing = xml[close - 1] == '/';
    if (!special) {
      auto name_begin = pos + (closing ? 2 : 1);
      auto name_end = xml.find_first_of(" \t\r\n/>", name_begin);
      std::string name = xml.substr(name_begin, name_end - name_begin);
      if (closing) {
        if (--depth == 1) out.push_back({child_name, child_begin, close + 1});
      } else {
        if (depth == 1) child_name = name, child_begin = pos;
        if (!self_closing) ++depth;
        else if (depth == 1) out.push_back({name, pos, close + 1});
      }
    }
    pos = close + 1;
  }
  return out;
}

/// Where comments were, blank lines pile up; keep one.
std::string squeeze_blank_lines(const std::string& xml) {
  std::istringstream in(xml);
  std::string out;
  bool blank_before = false;
  for (std::string line; std::getline(in, line);) {
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (!(blank && blank_before)) out += (blank ? "" : line) + '\n';
    blank_before = blank;
  }
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in)
    throw error(fmt::format("cannot read {} (the clickhouse-server package's defaults); "
                            "run tools/setup.sh", p.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Our cluster, ZooKeeper, macros and DDL queue; every host is 127.0.0.1.
std::string replica_settings(const replica_layout& r) {
  std::string replicas;
  for (int port : r.tcp_ports)
    replicas += fmt::format("                <replica><host>127.0.0.1</host><port>{}</port></replica>\n", port);
  return fmt::format(
      "    <interserver_http_port>{interserver}</interserver_http_port>\n"
      "    <interserver_http_host>127.0.0.1</interserver_http_host>\n"
      "    <zookeeper>\n"
      "        <node><host>127.0.0.1</host><port>{zk}</port></node>\n"
      "    </zookeeper>\n"
      "    <macros>\n"
      "        <shard>1</shard>\n"
      "        <replica>replica_{n}</replica>\n"
      "    </macros>\n"
      "    <remote_servers>\n"
      "        <{cluster}>\n"
      "            <shard>\n"
      // Each insert goes to one replica's local table; replication copies it.
      "                <internal_replication>true</internal_replication>\n"
      "{replicas}"
      "            </shard>\n"
      "        </{cluster}>\n"
      "    </remote_servers>\n"
      "    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n",
      fmt::arg("interserver", r.interserver_http_port), fmt::arg("zk", r.zookeeper_port), fmt::arg("n", r.replica),
      fmt::arg("cluster", xml_escape(r.cluster)), fmt::arg("replicas", replicas));
}

}  // namespace

std::string clickhouse_config(const std::string& defaults, const clickhouse_layout& layout,
                              const replica_layout* replica) {
  std::string xml = strip_comments(defaults);
  auto children = top_level(xml);
  // Back to front, so earlier offsets stay valid.
  std::reverse(children.begin(), children.end());
  for (const auto& e : children) {
    if (!replaced.count(e.name) && !e.name.ends_with("_port") && !(replica && replaced_for_replica.count(e.name)))
      continue;
    auto begin = xml.find_last_not_of(" \t\r\n", e.begin - 1) + 1;
    xml.erase(begin, e.end - begin);
  }
  auto root_close = xml.rfind("</");
  if (root_close == std::string::npos || children.empty())
    throw error("clickhouse defaults have no root element with settings");
  auto d = xml_escape(layout.dir);
  auto ours = fmt::format(
      "\n    <!-- tracepipe stack: everything under {d}, loopback only -->\n"
      "    <logger>\n"
      "        <level>information</level>\n"
      "        <log>{d}/log/clickhouse-server.log</log>\n"
      "        <errorlog>{d}/log/clickhouse-server.err.log</errorlog>\n"
      "        <size>100M</size>\n"
      "        <count>3</count>\n"
      "    </logger>\n"
      "    <listen_host>127.0.0.1</listen_host>\n"
      "    <http_port>{http}</http_port>\n"
      "    <tcp_port>{tcp}</tcp_port>\n"
      "    <path>{d}/</path>\n"
      "    <tmp_path>{d}/tmp/</tmp_path>\n"
      "    <user_files_path>{d}/user_files/</user_files_path>\n"
      "    <format_schema_path>{d}/format_schemas/</format_schema_path>\n"
      "    <users_config>{d}/users.xml</users_config>\n",
      fmt::arg("d", d), fmt::arg("http", layout.http_port), fmt::arg("tcp", layout.tcp_port));
  if (replica) ours += replica_settings(*replica);
  xml.insert(xml.find_last_not_of(" \t\r\n", root_close - 1) + 1, ours);
  return squeeze_blank_lines(xml);
}

std::string clickhouse_users(const std::string& defaults, int merge_threads) {
  if (merge_threads <= 0) return defaults;
  auto profiles = defaults.find("<profiles>");
  auto profile = profiles == std::string::npos ? profiles : defaults.find("<default>", profiles);
  if (profile == std::string::npos) throw error("the default users.xml has no <profiles><default>: cannot set merge threads");
  auto at = profile + std::string_view("<default>").size();
  return defaults.substr(0, at) + fmt::format("\n            <background_pool_size>{}</background_pool_size>", merge_threads) +
         defaults.substr(at);
}

std::string write_clickhouse_config(const clickhouse_layout& layout, const replica_layout* replica) {
  auto defaults = read_file(fs::path(defaults_dir) / "config.xml");
  auto users = read_file(fs::path(defaults_dir) / "users.xml");
  fs::create_directories(fs::path(layout.dir) / "log");
  auto config_path = fs::path(layout.dir) / "config.xml";
  std::ofstream(config_path, std::ios::trunc) << clickhouse_config(defaults, layout, replica);
  std::ofstream(fs::path(layout.dir) / "users.xml", std::ios::trunc) << clickhouse_users(users, layout.merge_threads);
  if (!fs::exists(config_path)) throw error(fmt::format("cannot write {}", config_path.string()));
  return config_path.string();
}

}  // namespace tracepipe::stack::detail

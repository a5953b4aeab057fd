#include "stack/detail/redis_cluster.hpp"

#include <hiredis/hiredis.h>

#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "queue/blocking_redis.hpp"
#include "stack/detail/process.hpp"
#include "stack/stack.hpp"

namespace tracepipe::stack::detail {
namespace {

using clock = std::chrono::steady_clock;

/// The reply to `argv` on the node at `port`; null if it did not answer.
queue::owned_reply ask(int port, std::initializer_list<std::string_view> argv) {
  auto c = queue::blocking_redis::connect("127.0.0.1", port, std::chrono::milliseconds(500));
  return c ? c->command(argv) : nullptr;
}

std::string text_of(const redisReply* r) { return r && r->str ? std::string(r->str, r->len) : ""; }

/// CLUSTER INFO's text, or what went wrong.
std::string cluster_info(int port) {
  auto reply = ask(port, {"CLUSTER", "INFO"});
  return reply ? text_of(reply.get()) : "no answer";
}

/// ROLE of a replica: its master's port once its link to it is up, else 0.
int linked_master_port(int port) {
  auto role = ask(port, {"ROLE"});
  if (!role || role->type != REDIS_REPLY_ARRAY || role->elements < 4 || text_of(role->element[0]) != "slave" ||
      text_of(role->element[3]) != "connected")
    return 0;
  return static_cast<int>(role->element[2]->integer);
}

/// redis-cli pairs replicas with masters as it likes; make it redis:M+k →
/// redis:(k mod M)+1, so that `kill redis:2` names which node takes over.
void pair_replicas(const stack_state& s) {
  auto masters = s.redis_masters();
  std::vector<std::string> ids;
  for (std::size_t m = 0; m < masters; ++m) ids.push_back(text_of(ask(s.redis_ports[m], {"CLUSTER", "MYID"}).get()));
  for (std::size_t i = masters; i < s.redis_ports.size(); ++i) {
    auto m = (i - masters) % masters;
    if (linked_master_port(s.redis_ports[i]) == s.redis_ports[m]) continue;
    auto reply = ask(s.redis_ports[i], {"CLUSTER", "REPLICATE", ids[m]});
    if (text_of(reply.get()) != "OK")
      throw error(fmt::format("redis:{} refused CLUSTER REPLICATE of redis:{}: {}", i + 1, m + 1,
                              reply ? text_of(reply.get()) : "no answer"));
  }
  auto until = clock::now() + s.deadline;
  for (std::size_t i = masters; i < s.redis_ports.size(); ++i) {
    auto m = (i - masters) % masters;
    while (linked_master_port(s.redis_ports[i]) != s.redis_ports[m]) {
      if (clock::now() > until)
        throw error(fmt::format("redis:{} is not a connected replica of redis:{} after {} s", i + 1, m + 1,
                                s.deadline.count()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace

void wait_cluster_ok(int port, std::size_t nodes, std::chrono::seconds deadline) {
  auto until = clock::now() + deadline;
  auto known = fmt::format("cluster_known_nodes:{}\r\n", nodes);
  for (;;) {
    auto info = cluster_info(port);
    if (info.find("cluster_state:ok\r\n") != std::string::npos && info.find(known) != std::string::npos) return;
    if (clock::now() > until) {
      auto state = info.substr(0, info.find("\r\n"));
      throw error(fmt::format("redis node 127.0.0.1:{} is not part of a whole cluster after {} s ({}; expected {} "
                              "nodes)",
                              port, deadline.count(), state, nodes));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void form_redis_cluster(const stack_state& s, std::ostream& log) {
  auto cli = find_program("redis-cli");
  if (cli.empty()) throw error("redis-cli not found in PATH; run tools/setup.sh");
  std::vector<std::string> argv{cli, "--cluster", "create"};
  for (auto port : s.redis_ports) argv.push_back(fmt::format("127.0.0.1:{}", port));
  // Without a prompt: the layout is ours. Masters are the first nodes named.
  argv.insert(argv.end(), {"--cluster-replicas", std::to_string(s.redis_replicas), "--cluster-yes"});
  auto log_file = log_path(s.dir, "redis-cluster-create").string();
  auto pid = spawn(argv, s.dir.string(), log_file);
  auto until = clock::now() + s.deadline;
  while (alive(pid)) {
    if (clock::now() > until) {
      kill_now({pid});
      throw error(fmt::format("redis-cli --cluster create did not finish within {} s\n--- last lines of {} ---\n{}",
                              s.deadline.count(), log_file, tail(log_file, 20)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  try {
    for (auto port : s.redis_ports) wait_cluster_ok(port, s.redis_ports.size(), s.deadline);
    if (s.redis_replicas > 0) pair_replicas(s);
  } catch (const error& e) {
    throw error(fmt::format("{}\n--- last lines of {} ---\n{}", e.what(), log_file, tail(log_file, 20)));
  }
  log << fmt::format("stack: Redis Cluster of {} masters, {} replica(s) each, formed\n", s.redis_masters(),
                     s.redis_replicas);
}

}  // namespace tracepipe::stack::detail

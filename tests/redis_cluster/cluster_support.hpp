#pragma once
// What the Redis Cluster tests share: the stack's nodes as client options,
// a direct connection to one node, a reply's text.
#include <chrono>
#include <stdexcept>
#include <string>

#include "common/redis_endpoint.hpp"
#include "queue/blocking_cluster.hpp"
#include "queue/blocking_redis.hpp"
#include "tests/support/stack_fixture.hpp"

namespace tracepipe::test {

/// Every node of the test stack as seeds; a budget a failover fits in.
inline queue::cluster_options stack_cluster_options() {
  queue::cluster_options o;
  for (const auto& url : stack_redis_cluster_urls()) o.seeds.push_back(*common::parse_redis_url(url));
  o.limits.budget = std::chrono::seconds(30);
  return o;
}

/// A plain connection to one node: what it says itself, no redirections followed.
inline queue::blocking_redis direct(const queue::cluster_node& n) {
  auto c = queue::blocking_redis::connect(n.host, n.port, std::chrono::seconds(2));
  if (!c) throw std::runtime_error("cannot connect to " + n.text());
  return std::move(*c);
}

/// A string, status or error reply's text; "<none>" otherwise.
inline std::string text(const queue::owned_reply& r) { return r && r->str ? std::string(r->str, r->len) : "<none>"; }

/// The node's cluster id (CLUSTER MYID), for SETSLOT.
inline std::string node_id(const queue::cluster_node& n) { return text(direct(n).command({"CLUSTER", "MYID"})); }

}  // namespace tracepipe::test

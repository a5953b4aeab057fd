#pragma once
// What the Redis Cluster tests share: the stack's nodes as client options,
// a direct connection to one node, a reply's text, settings for ingest and
// workers on the cluster, and counting what the shard streams hold.
#include <chrono>
#include <stdexcept>
#include <string>

#include <hiredis/hiredis.h>

#include "common/redis_endpoint.hpp"
#include "config/settings.hpp"
#include "queue/blocking_cluster.hpp"
#include "queue/blocking_redis.hpp"
#include "queue/shard.hpp"
#include "sink_harness.hpp"
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

/// sink_settings(name) on the cluster, with `shards` streams.
inline config::settings cluster_ingest_settings(const std::string& name, int shards) {
  auto s = sink_settings(name);
  s.redis.cluster = stack_redis_cluster_urls();
  s.redis.shards = shards;
  return s;
}

/// A client of the test stack's cluster, its map loaded.
inline queue::blocking_cluster cluster() {
  std::string error;
  auto c = queue::blocking_cluster::connect(stack_cluster_options(), &error);
  if (!c) throw std::runtime_error(error);
  return std::move(*c);
}

/// The integer `command` answers about `key`, asked on the key's slot's master.
inline long long integer_of(queue::blocking_cluster& c, const std::string& key,
                            std::initializer_list<std::string_view> command) {
  auto owner = *c.map().owner(queue::key_slot(key));
  auto reply = direct(owner).command(command);
  if (!reply || reply->type != REDIS_REPLY_INTEGER)
    throw std::runtime_error(std::string(*command.begin()) + " " + key + " on " + owner.text() + ": " + text(reply));
  return reply->integer;
}

/// Entries over every shard's stream, each read on its own slot's master.
inline long long entries_in(queue::blocking_cluster& c, const config::settings& s) {
  long long total = 0;
  for (int shard = 0; shard < s.redis.shards; ++shard) {
    auto key = queue::stream_key(s.redis.stream, static_cast<std::size_t>(shard));
    total += integer_of(c, key, {"XLEN", key});
  }
  return total;
}

}  // namespace tracepipe::test

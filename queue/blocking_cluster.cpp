#include "queue/blocking_cluster.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "queue/cluster_replies.hpp"

namespace tracepipe::queue {
namespace {

using clock = cluster_route::clock;

/// The first reply that redirects. In a MULTI it is a queued command's (the
/// EXEC then answers EXECABORT: nothing ran).
cluster_redirect first_redirect(const std::vector<owned_reply>& replies) {
  for (const auto& r : replies)
    if (auto c = redirect_of(r.get()); c.what != cluster_redirect::kind::none) return c;
  return {};
}

}  // namespace

blocking_cluster::blocking_cluster(cluster_options options)
    : options_(std::move(options)), backoff_(options_.backoff_initial, options_.backoff_max, common::per_thread_jitter()) {}

std::optional<blocking_cluster> blocking_cluster::connect(cluster_options options, std::string* error) {
  auto fail = [&](std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (options.seeds.empty()) return fail("no Redis Cluster seed node given");
  blocking_cluster c(std::move(options));
  std::string reasons;
  for (const auto& seed : c.options_.seeds) {
    cluster_node n{seed.host, seed.port};
    std::string why;
    if (c.load_map_from(n, &why)) return c;
    if (why.find("cluster support disabled") != std::string::npos)
      return fail(fmt::format("{} is a standalone Redis, not a cluster node (cluster support disabled): give it as "
                              "redis.url, or list a cluster's nodes",
                              n.text()));
    reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", n.text(), why);
  }
  return fail("no seed node told the cluster's slots (" + reasons + ")");
}

blocking_redis* blocking_cluster::node(const cluster_node& n) {
  auto key = n.text();
  if (auto it = connections_.find(key); it != connections_.end()) return &it->second;
  std::string why;
  auto c = blocking_redis::connect(endpoint_of(options_, n), options_.timeout, &why);
  if (!c) {
    error_ = fmt::format("{}: {}", key, why);
    return nullptr;
  }
  return &connections_.emplace(key, std::move(*c)).first->second;
}

bool blocking_cluster::load_map_from(const cluster_node& n, std::string* why) {
  auto* c = node(n);
  if (!c) {
    *why = error_;
    return false;
  }
  auto reply = c->command({"CLUSTER", "SHARDS"});
  if (!reply) {
    *why = std::string(c->error());
    connections_.erase(n.text());
    return false;
  }
  auto ranges = parse_cluster_shards(*reply, *why);
  if (!ranges) return false;
  map_ = slot_map(*ranges);
  return true;
}

bool blocking_cluster::reload_map(const std::string& last) {
  auto candidates = map_.masters();
  for (const auto& s : options_.seeds) candidates.push_back({s.host, s.port});
  // A frozen node costs a timeout: asked last.
  std::stable_partition(candidates.begin(), candidates.end(), [&](const cluster_node& n) { return n.text() != last; });
  std::string why;
  for (const auto& n : candidates)
    if (load_map_from(n, &why)) return true;
  return false;
}

std::vector<owned_reply> blocking_cluster::on_slot_of(std::string_view key,
                                                      const std::vector<std::vector<std::string_view>>& commands) {
  cluster_route route(key_slot(key), backoff_, options_.limits, clock::now());
  for (auto step = route.start(map_, clock::now());;) {
    if (step.what == route_step::kind::fail) {
      error_ = step.error;
      return {};
    }
    if (step.what == route_step::kind::wait) {
      std::this_thread::sleep_until(step.until);
      if (step.reload_map) reload_map();
      step = route.waited(map_, clock::now());
      continue;
    }
    auto* c = node(step.node);
    if (!c) {
      step = route.unreachable(clock::now());
      continue;
    }
    if (step.asking) c->append({"ASKING"});
    for (const auto& argv : commands) c->append(argv);
    bool lost = step.asking && !c->get_reply();
    std::vector<owned_reply> replies;
    while (!lost && replies.size() < commands.size()) {
      replies.push_back(c->get_reply());
      lost = !replies.back();
    }
    if (lost) {
      // Unanswered — gone, or frozen past the timeout: a timed-out hiredis
      // context is unusable, so the next try connects afresh.
      connections_.erase(step.node.text());
      step = route.unreachable(clock::now());
      continue;
    }
    auto redirect = first_redirect(replies);
    if (redirect.what == cluster_redirect::kind::none) {
      // After a MOVED the rest of the map is likely stale too (a failover or
      // a resharding moves more than one slot).
      if (step.reload_map) reload_map();
      return replies;
    }
    step = route.redirected(redirect, map_, clock::now());
  }
}

owned_reply blocking_cluster::command(std::string_view key, std::initializer_list<std::string_view> argv) {
  auto replies = on_slot_of(key, {std::vector<std::string_view>(argv)});
  return replies.empty() ? nullptr : std::move(replies.front());
}

owned_reply blocking_cluster::on_node(const cluster_node& n, std::initializer_list<std::string_view> argv) {
  auto* c = node(n);
  if (!c) return nullptr;
  auto reply = c->command(argv);
  if (!reply) {
    error_ = fmt::format("{}: {}", n.text(), c->error());
    connections_.erase(n.text());
  }
  return reply;
}

}  // namespace tracepipe::queue

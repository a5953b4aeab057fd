#pragma once
// How tracepipe reaches a Redis Cluster: its seed nodes, and how long a
// command may chase its slot (both clients: blocking_cluster for threads,
// cluster_connection on Asio).
#include <chrono>
#include <vector>

#include "common/redis_endpoint.hpp"
#include "queue/cluster_route.hpp"
#include "queue/cluster_slots.hpp"

namespace tracepipe::queue {

struct cluster_options {
  /// Asked for the map in order; their credentials log in on every node.
  std::vector<common::redis_endpoint> seeds;
  std::chrono::milliseconds timeout{2000};  ///< each connect and each command
  cluster_route_limits limits{};
  /// Waits between tries (node down, CLUSTERDOWN …) double from here up to the max.
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{1000};
};

/// How to reach `node`: the first seed's credentials, its host and port, db 0
/// (a cluster has no other).
inline common::redis_endpoint endpoint_of(const cluster_options& o, const cluster_node& node) {
  auto endpoint = o.seeds.front();
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.db = 0;
  return endpoint;
}

}  // namespace tracepipe::queue

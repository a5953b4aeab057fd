#pragma once
// Where the servers behind the load target are (from --stack or --config):
// what the observer and the reconcile read to see what the write path did.
#include <chrono>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/schema.hpp"

namespace tracepipe::observe {

struct stack_target {
  sink::clickhouse_settings clickhouse;  ///< the server read for figures and the reconcile (the first)
  /// Every replica of a cluster, in configured order (the first is `clickhouse`);
  /// empty for a single server. Visibility and replication are read per replica.
  std::vector<sink::clickhouse_settings> replicas;
  sink::schema_names table;
  std::string redis_url;      ///< empty: queue depth is not sampled
  std::vector<std::string> redis_cluster;  ///< a Redis Cluster's seed URLs, instead of redis_url
  std::string stream_prefix;  ///< the ingest's stream key prefix
  int shards = 1;
  std::string consumer_group;  ///< the workers' (pending and lag are read from it)
  std::string project;        ///< the project the load's runs carry (Langfuse: the key's, where ingest files them)
  bool langfuse = false;      ///< a Langfuse load: its runs are observations in Langfuse's tables

  /// Where the visibility probes look for an accepted run's id: the runs
  /// table, or a Langfuse load's <langfuse_prefix>observations.
  sink::schema_names probed() const;
};

/// Where the runs of `project` land, from the settings of the stack behind the target.
stack_target stack_target_of(const config::settings& s, const std::string& project);

}  // namespace tracepipe::observe

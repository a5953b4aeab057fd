#pragma once
// The start-up check of a replicated ClickHouse: does what the servers say
// (system.clusters, system.tables) match the configuration? A mismatch is
// refused at start in one sentence naming what differs, rather than found
// later as inserts that reach only some replicas, or a table that never
// replicates. The verdict is a pure function of the answers, unit-tested;
// `ask` performs the two queries.
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

/// What one server says.
struct cluster_view {
  std::string url;  ///< the server asked
  /// Its system.clusters rows: (cluster, shard_num).
  std::vector<std::pair<std::string, int>> cluster_rows;
  std::string table_engine;  ///< engine of the runs table there; empty if it has none
  bool has_project_index = false;
  bool has_langfuse_tables = false;  ///< all three
};

/// Queries system.clusters and system.tables on `client`; nullopt (and
/// *why) when it does not answer.
std::optional<cluster_view> ask(clickhouse_client& client, const schema_names& names, std::string* why);

/// Why the configuration and the servers that answered disagree, in one
/// sentence; nullopt when they agree. Checked: several URLs without a
/// cluster name; a cluster a server does not know; more than one shard; a
/// replica count other than the URLs'; a runs table that is not Replicated;
/// an insert quorum larger than the replicas.
std::optional<std::string> cluster_mismatch(const config::clickhouse_settings& configured,
                                            const schema_names& names, const std::vector<cluster_view>& views);

}  // namespace tracepipe::sink

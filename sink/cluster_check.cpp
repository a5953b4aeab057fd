#include "sink/cluster_check.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tracepipe::sink {

std::optional<cluster_view> ask(clickhouse_client& client, const schema_names& names, std::string* why) {
  cluster_view v{client.settings().url, {}, {}};
  auto clusters = client.query("SELECT cluster, shard_num FROM system.clusters FORMAT TSV");
  auto tables = client.query(existing_tables_query(names));
  for (const auto* r : {&clusters, &tables})
    if (!r->ok()) {
      if (why) *why = r->message;
      return std::nullopt;
    }
  std::istringstream rows(clusters.body);
  for (std::string line; std::getline(rows, line);) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) v.cluster_rows.emplace_back(line.substr(0, tab), std::atoi(line.c_str() + tab + 1));
  }
  auto existing = parse_existing_tables(tables.body, names);
  v.table_engine = existing.runs_engine;
  v.has_project_index = existing.project_index;
  v.has_langfuse_tables = existing.langfuse_tables;
  return v;
}

std::optional<std::string> cluster_mismatch(const config::clickhouse_settings& c, const schema_names& names,
                                            const std::vector<cluster_view>& views) {
  auto known = [](const cluster_view& v) {
    std::set<std::string> out;
    for (const auto& [name, shard] : v.cluster_rows) out.insert(name);
    return out;
  };
  if (c.insert_quorum > static_cast<int>(c.urls.size()))
    return fmt::format("clickhouse.insert_quorum is {} but clickhouse.url lists {} server(s): no insert could "
                       "ever reach that many replicas",
                       c.insert_quorum, c.urls.size());
  if (c.cluster.empty()) {
    if (c.urls.size() > 1)
      return fmt::format(
          "clickhouse.url lists {} servers but clickhouse.cluster is empty: name the cluster they are replicas of "
          "({} knows: {})",
          c.urls.size(), views.empty() ? c.urls.front() : views.front().url,
          views.empty() ? std::string("?") : fmt::format("{}", fmt::join(known(views.front()), ", ")));
    return std::nullopt;
  }
  for (const auto& v : views) {
    std::set<int> shards;
    std::size_t replicas = 0;
    for (const auto& [name, shard] : v.cluster_rows)
      if (name == c.cluster) shards.insert(shard), ++replicas;
    if (replicas == 0)
      return fmt::format("ClickHouse at {} knows no cluster \"{}\" (its system.clusters has: {})", v.url, c.cluster,
                         fmt::join(known(v), ", "));
    if (shards.size() != 1)
      return fmt::format(
          "cluster \"{}\" has {} shards on {}; tracepipe writes to one shard of replicas (LangSmith's topology), "
          "each insert to one replica's local table",
          c.cluster, shards.size(), v.url);
    if (replicas != c.urls.size())
      return fmt::format(
          "cluster \"{}\" has {} replicas in system.clusters on {}, but clickhouse.url lists {}: list every "
          "replica's URL, so that inserts spread over all of them",
          c.cluster, replicas, v.url, c.urls.size());
    if (!v.table_engine.empty() && !v.table_engine.starts_with("Replicated"))
      return fmt::format(
          "table {} on {} exists as {}, not Replicated: its rows would stay on that server; drop it (or name "
          "another clickhouse.table) and tracepipe creates it ON CLUSTER as ReplicatedReplacingMergeTree",
          names.qualified(), v.url, v.table_engine);
  }
  return std::nullopt;
}

}  // namespace tracepipe::sink

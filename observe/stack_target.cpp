#include "observe/stack_target.hpp"

#include "sink/langfuse_schema.hpp"

namespace tracepipe::observe {

stack_target stack_target_of(const config::settings& s, const std::string& project) {
  stack_target t;
  t.clickhouse = sink::client_settings(s.clickhouse);
  if (s.clickhouse.urls.size() > 1)
    for (std::size_t r = 0; r < s.clickhouse.urls.size(); ++r) t.replicas.push_back(sink::client_settings(s.clickhouse, r));
  t.table = {s.clickhouse.database, s.clickhouse.table};
  t.table.langfuse_prefix = s.clickhouse.langfuse_table_prefix;
  t.redis_url = s.redis.url;
  t.redis_cluster = s.redis.cluster;
  t.stream_prefix = s.redis.stream;
  t.shards = s.redis.shards;
  t.consumer_group = s.worker.group;
  t.project = project;
  return t;
}

sink::schema_names stack_target::probed() const {
  return langfuse ? sink::langfuse_names(table, common::langfuse::entity::observation) : table;
}

}  // namespace tracepipe::observe

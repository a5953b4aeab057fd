#include "sink/langfuse_schema.hpp"

namespace tracepipe::sink {
namespace {

using common::langfuse::entity;

/// When and how each row arrived; every table ends with them.
constexpr const char* arrival_columns =
    "  event_ts_ms UInt64, tenant String,\n"
    "  received_at_us UInt64, enqueued_at_us UInt64, dequeued_at_us UInt64, sent_at_us UInt64, stream_id String";

constexpr const char* trace_columns =
    "  id String, project_id String, event_id String, event_type String, timestamp_ms UInt64,\n"
    "  name String, user_id String, session_id String, release String, version String, environment String,\n"
    "  public UInt8, tags Array(String), metadata_keys Array(String), metadata_values Array(String),\n"
    "  input String, output String,\n";

constexpr const char* observation_columns =
    "  id String, trace_id String, project_id String, event_id String, event_type String, type String,\n"
    "  parent_observation_id String, start_time_ms UInt64, end_time_ms UInt64, completion_start_time_ms UInt64,\n"
    "  name String, metadata_keys Array(String), metadata_values Array(String), level String,\n"
    "  status_message String, version String, environment String, input String, output String,\n"
    "  provided_model_name String, model_parameters String,\n"
    "  usage_details_keys Array(String), usage_details_values Array(UInt64),\n"
    "  cost_details_keys Array(String), cost_details_values Array(Float64),\n"
    "  prompt_name String, prompt_version UInt16,\n";

constexpr const char* score_columns =
    "  id String, project_id String, event_id String, event_type String, timestamp_ms UInt64,\n"
    "  trace_id String, observation_id String, session_id String, dataset_run_id String, name String,\n"
    "  value Float64, string_value String, source String, data_type String, comment String,\n"
    "  metadata_keys Array(String), metadata_values Array(String), config_id String, queue_id String,\n"
    "  environment String,\n";

}  // namespace

schema_names langfuse_names(const schema_names& names, entity e) {
  auto n = names;
  n.table = names.langfuse_prefix + (e == entity::trace ? "traces" : e == entity::observation ? "observations" : "scores");
  return n;
}

std::string langfuse_table(const schema_names& names, entity e) { return langfuse_names(names, e).qualified(); }

std::vector<std::string> langfuse_ddl(const schema_names& names, const clickhouse_version& version) {
  std::vector<std::string> ddl;
  for (auto [e, columns] : {std::pair{entity::trace, trace_columns}, std::pair{entity::observation, observation_columns},
                            std::pair{entity::score, score_columns}})
    ddl.push_back(replacing_table_ddl(langfuse_names(names, e), version, std::string(columns) + arrival_columns,
                                      "event_ts_ms", "toYYYYMM(toDateTime(intDiv(event_ts_ms, 1000)))",
                                      "project_id, id, event_id"));
  return ddl;
}

}  // namespace tracepipe::sink

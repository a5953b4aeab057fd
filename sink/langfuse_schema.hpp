#pragma once
// Langfuse's ClickHouse tables — traces, observations, scores — modelled on
// its migrations (packages/shared/clickhouse/migrations/unclustered/0001–0003,
// ../shared/research/otlp-and-langfuse.md §4), in the types ClickHouse 18.16
// has:
//   DateTime64(3)            → UInt64 milliseconds since the epoch, `_ms` columns
//   Map(String, String)      → two parallel arrays `<name>_keys`, `<name>_values`
//   Map(String, UInt64 | Decimal64(12)) → the same, values UInt64 | Float64
//   Bool                     → UInt8
//   Nullable(String)         → String, '' when absent
//   LowCardinality(String)   → String
//
// One row per event, not per entity. Langfuse's worker merges a create with
// its updates before it writes one row, keyed (project_id, toDate(…), id);
// here a create and its update are two rows, as a run's post and patch are,
// so the sorting key is (project_id, id, event_id): an update never replaces
// its create, and the copies of one event (a re-sent batch, a client's retry
// with the same event id) share the key and collapse under
// ReplacingMergeTree(event_ts_ms). The id before any time: an update carries
// no start time, so a date in the key would part it from its create. The
// partition is the month of the event's own timestamp, the same in every copy.
// No column is stamped by the server (created_at DEFAULT now() in Langfuse):
// on a replicated 18.16 table a re-sent block is recognised by its data's
// hash, so each attempt must send the same bytes; sent_at_us is the batch's
// first send.
#include <string>
#include <vector>

#include "common/langfuse_events.hpp"
#include "sink/clickhouse_version.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

/// The names of one Langfuse table: `entity`'s ("traces", "observations", "scores" after the prefix).
schema_names langfuse_names(const schema_names& names, common::langfuse::entity entity);

/// Its qualified name, e.g. "tracepipe.langfuse_traces".
std::string langfuse_table(const schema_names& names, common::langfuse::entity entity);

/// CREATE TABLE IF NOT EXISTS of the three tables (ON CLUSTER, Replicated, on a cluster).
std::vector<std::string> langfuse_ddl(const schema_names& names, const clickhouse_version& version);

}  // namespace tracepipe::sink

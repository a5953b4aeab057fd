#pragma once
// The statements `tracepipe load` sends to the ClickHouse behind the target
// (with --stack): the visibility probe, per-second component figures and
// the reconcile at the end. All read the sink's runs table (sink/schema.hpp)
// and, like every statement of the project, must also run on a modern
// engine (tests/chdb checks them). Each ends in FORMAT TSV.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sink/schema.hpp"

namespace tracepipe::observe {

using sink::sql_string;

/// The ids among `ids` that have a row: one id per line.
std::string probe_query(const sink::schema_names& t, const std::vector<std::string>& ids);

/// Per (id, kind) of the project's rows received since since_us: id, kind,
/// rows (more than 1: a duplicate a merge has not removed yet), first
/// inserted_at_us, received_at_us of that first row.
std::string reconcile_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us);

/// A Langfuse load's reconcile_query: per (id, event_id) of the project's
/// rows in Langfuse's traces and observations tables (<langfuse_prefix>…)
/// received since since_us: id, event_id, rows, the first sent_at_us and
/// that row's received_at_us. Those tables have no inserted_at column: the
/// insert's send time stands for it (a lag a little short of the runs').
std::string langfuse_reconcile_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us);

/// Distinct (id, event_id) of those rows: one number.
std::string langfuse_events_count_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us);

/// Distinct (id, kind) of the project's rows received since since_us: one number.
std::string operations_count_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us);

/// Distinct (id, kind) of the project's rows received since since_us that
/// waited in the queue (received → dequeued) longer than waited_us: what a
/// queue that expires its entries then would have lost. One number.
std::string waited_longer_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us,
                                std::uint64_t waited_us);

/// The most active parts of any one partition of the table (TOO_MANY_PARTS
/// counts per partition): one number, 0 when there are none.
std::string max_parts_query(const sink::schema_names& t);

/// Rows of the project inserted in the last `seconds` (server clock), and
/// the p99 of their received → inserted lag in ms: "count\tp99".
std::string recent_lag_query(const sink::schema_names& t, std::string_view project, int seconds);

}  // namespace tracepipe::observe

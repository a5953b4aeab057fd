#pragma once
// Rows of the merged runs table (JSONEachRow) as LangSmith's API returns
// runs, and the pages and projects around them. Pure: no I/O, unit-tested.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::read {

/// One merged row → a run: id, name, run_type, start_time, end_time,
/// inputs, outputs, error, extra, events, serialized (each the JSON the
/// client sent), tags, parent_run_id, trace_id, dotted_order, session_id,
/// session_name, reference_example_id, status ("error", "success" once
/// ended, else "pending"). A payload offloaded to S3 is null, with its
/// object at `<field>_s3` ("s3://bucket/key"). nullopt: not a row of ours.
std::optional<std::string> run_json(std::string_view row);

/// Every line of a JSONEachRow body as runs; nullopt if one is not a row.
std::optional<std::vector<std::string>> runs_of(std::string_view body);

/// POST /runs/query's answer: {"runs": [...], "cursors": {"next": …}} from
/// up to limit + 1 runs (one more means a next page, at offset + limit).
std::string query_page_json(std::vector<std::string> runs, std::size_t limit, std::size_t offset);

/// GET /sessions?name=: [] or the one project, as LangSmith lists it.
std::string sessions_json(std::string_view tenant, std::string_view name, std::optional<std::int64_t> first_received_us);

}  // namespace tracepipe::read

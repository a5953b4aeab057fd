#pragma once
// The ClickHouse statements behind the read API (ingest/read_api.hpp), over
// the runs table with each run's patches applied (sink::merged_select), and
// the project ids LangSmith clients see. Pure: no I/O, unit-tested.
#include <string>
#include <string_view>
#include <vector>

#include "ingest/read_api.hpp"
#include "sink/schema.hpp"

namespace tracepipe::read {

/// The project's id as GET /sessions and every run's session_id give it: a
/// UUID (version 8, name-based) from SHA-256 of the tenant and the name, so
/// every ingest process gives the same one without shared state.
std::string project_id(std::string_view tenant, std::string_view name);

/// One run by id, of the tenant (and of `project_only` when set): at most
/// one JSONEachRow line.
std::string run_lookup_sql(const sink::schema_names& t, const ingest::read_call& call, std::string_view id);

/// The page of a query, newest first unless ascending; limit + 1 rows so
/// that one more says there is a next page. `projects`: the names the
/// query's session ids stand for (empty with sessions given: no run can
/// match, and the caller answers without asking).
/// `indexed`: the project index exists (clickhouse.project_index); a query
/// naming a project then picks its page there.
std::string run_query_sql(const sink::schema_names& t, const ingest::read_call& call, const ingest::run_query& q,
                          const std::vector<std::string>& projects, bool indexed);

/// The tenant's project names, one per line (at most 10,000), to turn
/// session ids back into names.
std::string projects_sql(const sink::schema_names& t, const ingest::read_call& call, bool indexed);

/// When the tenant's project first received a run: "count\tmin_received_at_us"
/// (count: its runs' posts, a re-sent one counted again until a merge).
std::string session_sql(const sink::schema_names& t, const ingest::read_call& call, std::string_view name,
                        bool indexed);

}  // namespace tracepipe::read

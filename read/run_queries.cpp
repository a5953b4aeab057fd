#include "read/run_queries.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/sha256.hpp"

namespace tracepipe::read {
namespace {

using sink::sql_string;

/// "tenant = '…'" and, for a key bound to one, "AND project = '…'".
std::string owner_filter(const ingest::read_call& call) {
  auto where = fmt::format("tenant = {}", sql_string(call.tenant));
  if (!call.project_only.empty()) where += fmt::format(" AND project = {}", sql_string(call.project_only));
  return where;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& i : items) quoted.push_back(sql_string(i));
  return fmt::format("({})", fmt::join(quoted, ", "));
}

}  // namespace

std::string project_id(std::string_view tenant, std::string_view name) {
  std::string key(tenant);
  key += '\0';  // "a" + "bc" and "ab" + "c" differ
  key += name;
  auto d = common::sha256(key);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x80);  // version 8
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);  // RFC 4122 variant
  auto hex = common::to_hex(d);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20, 12));
}

std::string run_lookup_sql(const sink::schema_names& t, const ingest::read_call& call, std::string_view id) {
  // The id is the table's key: only this run's rows are read and merged.
  return fmt::format("SELECT * FROM ({}) WHERE {} LIMIT 1 FORMAT JSONEachRow",
                     sink::merged_select(t, fmt::format("id = {}", sql_string(id))), owner_filter(call));
}

std::string run_query_sql(const sink::schema_names& t, const ingest::read_call& call, const ingest::run_query& q,
                          const std::vector<std::string>& projects, bool indexed) {
  // The page's ids first, from the posts alone (they carry the start time
  // and the filters): only those runs are merged, not every run that
  // matches. With a project, from the project index: one key range.
  bool by_project = indexed && (!q.sessions.empty() || !call.project_only.empty());
  std::vector<std::string> where{owner_filter(call)};
  if (!by_project) where.insert(where.begin(), "kind = 'post'");
  if (!q.sessions.empty()) where.push_back(fmt::format("project IN {}", quoted_list(projects)));
  if (!q.ids.empty()) where.push_back(fmt::format("id IN {}", quoted_list(q.ids)));
  if (q.trace) where.push_back(fmt::format("trace_id = {}", sql_string(*q.trace)));
  if (q.parent_run) where.push_back(fmt::format("parent_run_id = {}", sql_string(*q.parent_run)));
  if (q.run_type) where.push_back(fmt::format("run_type = {}", sql_string(*q.run_type)));
  if (q.is_root) where.push_back(*q.is_root ? "parent_run_id = ''" : "parent_run_id != ''");
  if (q.start_time_us) where.push_back(fmt::format("start_time_us >= {}", *q.start_time_us));
  auto order = q.ascending ? "ASC" : "DESC";
  // A re-sent post is there twice until a merge: one row per id, so that
  // pages and cursors count runs.
  auto picked = fmt::format(
      "id IN (SELECT id FROM {} WHERE {} ORDER BY start_time_us {}, id {} LIMIT 1 BY id LIMIT {}, {})",
      by_project ? sink::project_index(t) : t.qualified(), fmt::join(where, " AND "), order, order, q.offset,
      q.limit + 1);
  return fmt::format("{} ORDER BY start_time_us {}, id {} FORMAT JSONEachRow", sink::merged_select(t, picked), order,
                     order);
}

// Both from the project index where there is one: its key starts (tenant, project).
std::string projects_sql(const sink::schema_names& t, const ingest::read_call& call, bool indexed) {
  return fmt::format("SELECT DISTINCT project FROM {} WHERE {}{} LIMIT 10000 FORMAT TSVRaw",
                     indexed ? sink::project_index(t) : t.qualified(), owner_filter(call),
                     indexed ? "" : " AND kind = 'post'");
}

std::string session_sql(const sink::schema_names& t, const ingest::read_call& call, std::string_view name,
                        bool indexed) {
  return fmt::format("SELECT count(), min(received_at_us) FROM {} WHERE {} AND project = {}{} FORMAT TSV",
                     indexed ? sink::project_index(t) : t.qualified(), owner_filter(call), sql_string(name),
                     indexed ? "" : " AND kind = 'post'");
}

}  // namespace tracepipe::read

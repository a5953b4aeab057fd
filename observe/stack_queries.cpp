#include "observe/stack_queries.hpp"

#include <fmt/format.h>

#include "sink/langfuse_schema.hpp"

namespace tracepipe::observe {

namespace {
// inserted_at has whole-second precision before 20.5, so a row can look
// inserted before it was received: such lags count as 0.
constexpr const char* lag_us_expr = "greatest(toInt64(inserted_at_us) - toInt64(received_at_us), 0)";
}  // namespace

std::string probe_query(const sink::schema_names& t, const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) {
    if (!list.empty()) list += ',';
    list += sql_string(id);
  }
  return fmt::format("SELECT DISTINCT id FROM {} WHERE id IN ({}) FORMAT TSV", t.qualified(), list);
}

std::string reconcile_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us) {
  return fmt::format(
      "SELECT id, kind, count(), min(inserted_at_us), argMin(received_at_us, inserted_at_us) FROM {} "
      "WHERE project = {} AND received_at_us >= {} GROUP BY id, kind FORMAT TSV",
      t.qualified(), sql_string(project), since_us);
}

std::string operations_count_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us) {
  return fmt::format("SELECT uniqExact(id, kind) FROM {} WHERE project = {} AND received_at_us >= {} FORMAT TSV",
                     t.qualified(), sql_string(project), since_us);
}

namespace {
/// The project's (id, event_id, sent_at_us, received_at_us) in Langfuse's
/// traces and observations tables (never the same event in both).
std::string langfuse_events(const sink::schema_names& t, std::string_view project, std::uint64_t since_us) {
  auto from = [&](common::langfuse::entity e) {
    return fmt::format("SELECT id, event_id, sent_at_us, received_at_us FROM {} WHERE project_id = {} AND "
                       "received_at_us >= {}",
                       sink::langfuse_table(t, e), sql_string(project), since_us);
  };
  return from(common::langfuse::entity::trace) + " UNION ALL " + from(common::langfuse::entity::observation);
}
}  // namespace

std::string langfuse_reconcile_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us) {
  return fmt::format(
      "SELECT id, event_id, count(), min(sent_at_us), argMin(received_at_us, sent_at_us) FROM ({}) "
      "GROUP BY id, event_id FORMAT TSV",
      langfuse_events(t, project, since_us));
}

std::string langfuse_events_count_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us) {
  return fmt::format("SELECT uniqExact(id, event_id) FROM ({}) FORMAT TSV", langfuse_events(t, project, since_us));
}

std::string waited_longer_query(const sink::schema_names& t, std::string_view project, std::uint64_t since_us,
                                std::uint64_t waited_us) {
  return fmt::format(
      "SELECT uniqExact(id, kind) FROM {} WHERE project = {} AND received_at_us >= {} AND dequeued_at_us > "
      "received_at_us + {} FORMAT TSV",
      t.qualified(), sql_string(project), since_us, waited_us);
}

std::string max_parts_query(const sink::schema_names& t) {
  return fmt::format(
      "SELECT max(n) FROM (SELECT partition, count() AS n FROM system.parts WHERE active AND database = {} AND "
      "table = {} GROUP BY partition) FORMAT TSV",
      sql_string(t.database), sql_string(t.table));
}

std::string recent_lag_query(const sink::schema_names& t, std::string_view project, int seconds) {
  return fmt::format(
      "SELECT count(), quantile(0.99)({} / 1000) FROM {} WHERE project = {} AND "
      "inserted_at_us >= (toUInt64(now()) - {}) * 1000000 FORMAT TSV",
      lag_us_expr, t.qualified(), sql_string(project), seconds);
}

}  // namespace tracepipe::observe

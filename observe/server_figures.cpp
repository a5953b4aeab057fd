#include "observe/server_figures.hpp"

#include <charconv>

#include <fmt/format.h>
#include <simdjson.h>

#include "observe/stack_queries.hpp"

namespace tracepipe::observe {
namespace {

// Aliases must not be a column's own name: ClickHouse would take
// `countIf(active) AS active` for a cyclic alias.
template <class T>
struct column {
  std::string_view name;
  std::string_view sql;  ///< its expression
  double T::*member;
};

// system.events: sumIf over the table, 0 when the counter is absent.
constexpr column<server_activity> activity_columns[] = {
    {"merges_running", "(SELECT count() FROM system.merges)", &server_activity::merges_running},
    {"queries_running", "(SELECT count() FROM system.processes)", &server_activity::queries_running},
    {"inserted_rows", "sumIf(value, event = 'InsertedRows')", &server_activity::inserted_rows},
    {"inserted_bytes", "sumIf(value, event = 'InsertedBytes')", &server_activity::inserted_bytes},
    {"merged_rows", "sumIf(value, event = 'MergedRows')", &server_activity::merged_rows},
    {"delayed_inserts", "sumIf(value, event = 'DelayedInserts')", &server_activity::delayed_inserts},
    {"rejected_inserts", "sumIf(value, event = 'RejectedInserts')", &server_activity::rejected_inserts},
};

constexpr column<table_parts> parts_columns[] = {
    {"active_parts", "countIf(active)", &table_parts::active},
    {"listed_parts", "count()", &table_parts::listed},
    {"active_bytes_on_disk", "sumIf(bytes_on_disk, active)", &table_parts::bytes_on_disk},
    {"active_uncompressed_bytes", "sumIf(data_uncompressed_bytes, active)", &table_parts::uncompressed_bytes},
};

constexpr column<write_counters> counter_columns[] = {
    {"inserted_rows", "sumIf(value, event = 'InsertedRows')", &write_counters::inserted_rows},
    {"inserted_bytes", "sumIf(value, event = 'InsertedBytes')", &write_counters::inserted_bytes},
    {"merged_rows", "sumIf(value, event = 'MergedRows')", &write_counters::merged_rows},
    {"merged_bytes", "sumIf(value, event = 'MergedUncompressedBytes')", &write_counters::merged_bytes},
    {"merge_ms", "sumIf(value, event = 'MergesTimeMilliseconds')", &write_counters::merge_ms},
    {"written_bytes", "sumIf(value, event = 'MergeTreeDataWriterCompressedBytes')", &write_counters::written_bytes},
};

// max() over the table's one row (or none: every figure 0).
constexpr column<replica_state> replica_columns[] = {
    {"tables", "count()", &replica_state::tables},
    {"delay", "max(absolute_delay)", &replica_state::absolute_delay},
    {"queue", "max(queue_size)", &replica_state::queue_size},
    {"inserts_queued", "max(inserts_in_queue)", &replica_state::inserts_in_queue},
    {"readonly", "max(is_readonly)", &replica_state::is_readonly},
    {"session_expired", "max(is_session_expired)", &replica_state::is_session_expired},
};

template <class T, std::size_t N>
std::string select_of(const column<T> (&columns)[N], std::string_view from) {
  std::string list;
  for (const auto& c : columns) list += fmt::format("{}{} AS {}", list.empty() ? "" : ", ", c.sql, c.name);
  return fmt::format("SELECT {} FROM {} FORMAT JSONEachRow", list, from);
}

template <class T, std::size_t N>
std::optional<T> read_back(const column<T> (&columns)[N], std::string_view body, std::string* error) {
  auto row = parse_named_row(body, error);
  if (!row) return std::nullopt;
  T out;
  for (const auto& c : columns) {
    auto it = row->find(c.name);
    if (it == row->end()) {
      if (error) *error = fmt::format("ClickHouse's answer has no column {}: {}", c.name, body);
      return std::nullopt;
    }
    out.*c.member = it->second;
  }
  return out;
}

std::optional<std::string> answer(sink::clickhouse_client& ch, const std::string& sql, std::string* error) {
  auto r = ch.query(sql);
  if (r.ok()) return std::move(r.body);
  if (error) *error = r.message;
  return std::nullopt;
}

std::optional<double> number_of(simdjson::dom::element v) {
  double d = 0;
  if (v.get(d) == simdjson::SUCCESS) return d;
  std::uint64_t u = 0;
  if (v.get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  std::int64_t i = 0;
  if (v.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return d;
}

}  // namespace

std::optional<named_numbers> parse_named_row(std::string_view body, std::string* error) {
  auto fail = [&](std::string_view why) -> std::optional<named_numbers> {
    if (error) *error = fmt::format("ClickHouse's answer is {}: {}", why, body.substr(0, 200));
    return std::nullopt;
  };
  auto line = body.substr(0, body.find('\n'));
  simdjson::dom::parser parser;
  simdjson::dom::object row;
  if (parser.parse(line.data(), line.size()).get(row)) return fail("not a JSON object");
  named_numbers out;
  for (auto [key, value] : row) {
    auto n = number_of(value);
    if (!n) return fail(fmt::format("not a number in column {}", key));
    out.emplace(std::string(key), *n);
  }
  return out;
}

std::string server_activity_query() { return select_of(activity_columns, "system.events"); }
std::string write_counters_query() { return select_of(counter_columns, "system.events"); }
std::string merges_running_query() { return "SELECT count() AS merges_running FROM system.merges FORMAT JSONEachRow"; }
std::string table_parts_query(const sink::schema_names& t) {
  return select_of(parts_columns, fmt::format("system.parts WHERE database = {} AND table = {}",
                                              sql_string(t.database), sql_string(t.table)));
}

std::string replica_state_query(const sink::schema_names& t) {
  return select_of(replica_columns, fmt::format("system.replicas WHERE database = {} AND table = {}",
                                                sql_string(t.database), sql_string(t.table)));
}
std::string zookeeper_query() { return "SELECT count() FROM system.zookeeper WHERE path = '/' FORMAT TSV"; }

std::optional<server_activity> server_activity_of(std::string_view body, std::string* error) {
  return read_back(activity_columns, body, error);
}
std::optional<table_parts> table_parts_of(std::string_view body, std::string* error) {
  return read_back(parts_columns, body, error);
}
std::optional<write_counters> write_counters_of(std::string_view body, std::string* error) {
  return read_back(counter_columns, body, error);
}

std::optional<replica_state> replica_state_of(std::string_view body, std::string* error) {
  return read_back(replica_columns, body, error);
}

std::optional<server_activity> read_server_activity(sink::clickhouse_client& ch, std::string* error) {
  auto body = answer(ch, server_activity_query(), error);
  return body ? server_activity_of(*body, error) : std::nullopt;
}
std::optional<table_parts> read_table_parts(sink::clickhouse_client& ch, const sink::schema_names& t,
                                            std::string* error) {
  auto body = answer(ch, table_parts_query(t), error);
  return body ? table_parts_of(*body, error) : std::nullopt;
}
std::optional<write_counters> read_write_counters(sink::clickhouse_client& ch, std::string* error) {
  auto body = answer(ch, write_counters_query(), error);
  return body ? write_counters_of(*body, error) : std::nullopt;
}
std::optional<replica_state> read_replica_state(sink::clickhouse_client& ch, const sink::schema_names& t,
                                                std::string* error) {
  auto body = answer(ch, replica_state_query(t), error);
  return body ? replica_state_of(*body, error) : std::nullopt;
}
std::optional<double> read_merges_running(sink::clickhouse_client& ch, std::string* error) {
  auto body = answer(ch, merges_running_query(), error);
  if (!body) return std::nullopt;
  auto row = parse_named_row(*body, error);
  if (!row || !row->contains("merges_running")) return std::nullopt;
  return row->at("merges_running");
}

}  // namespace tracepipe::observe

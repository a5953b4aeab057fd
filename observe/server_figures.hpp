#pragma once
// ClickHouse's own figures, read by column name: each statement is built
// from the same table of (column, SQL expression, struct member) that reads
// its answer back, so the SQL and the struct cannot disagree about order.
// Answers are one row of `FORMAT JSONEachRow` (64-bit integers quoted or
// not, as the server's output_format_json_quote_64bit_integers says).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sink/clickhouse_client.hpp"
#include "sink/schema.hpp"

namespace tracepipe::observe {

/// One answer row, numbers by column name.
using named_numbers = std::map<std::string, double, std::less<>>;

/// The first row of a JSONEachRow answer; nullopt (and `error`) when it is
/// not one JSON object of numbers.
std::optional<named_numbers> parse_named_row(std::string_view body, std::string* error);

/// What the server is doing now, and its counters since it started
/// (system.events lists a counter only once it is non-zero: 0 when absent).
struct server_activity {
  double merges_running = 0;
  double queries_running = 0;  ///< this query included
  double inserted_rows = 0, inserted_bytes = 0, merged_rows = 0, delayed_inserts = 0, rejected_inserts = 0;
};

/// What a table holds in parts.
struct table_parts {
  double active = 0;
  double listed = 0;  ///< active, plus outdated ones not yet removed: a lower bound of the parts created
  double bytes_on_disk = 0;       ///< of the active parts
  double uncompressed_bytes = 0;  ///< of the active parts
};

/// The server's write counters since it started. 18.16 has no count of merges.
struct write_counters {
  double inserted_rows = 0, inserted_bytes = 0, merged_rows = 0;
  double merged_bytes = 0;   ///< uncompressed
  double merge_ms = 0;
  double written_bytes = 0;  ///< what inserts wrote to disk, compressed
};

/// One replica's replication of the table (system.replicas); all 0 when it
/// has no such table.
struct replica_state {
  double tables = 0;            ///< 1 when the replica has the table
  double absolute_delay = 0;    ///< s behind the freshest replica, as the replica judges it
  double queue_size = 0;        ///< fetches, merges … it still has to do
  double inserts_in_queue = 0;  ///< parts inserted elsewhere it has not fetched yet
  double is_readonly = 0;       ///< 1: no ZooKeeper session — inserts there are refused
  double is_session_expired = 0;
};

/// The statements (tests/chdb runs them on a modern engine).
std::string server_activity_query();
std::string table_parts_query(const sink::schema_names& t);
std::string write_counters_query();
std::string merges_running_query();
std::string replica_state_query(const sink::schema_names& t);
/// One row when the server reaches ZooKeeper; an error when it does not.
std::string zookeeper_query();

/// The answers read back by name; nullopt with `error` set on a failed
/// query or an answer without one of the columns.
std::optional<server_activity> server_activity_of(std::string_view body, std::string* error);
std::optional<table_parts> table_parts_of(std::string_view body, std::string* error);
std::optional<write_counters> write_counters_of(std::string_view body, std::string* error);
std::optional<replica_state> replica_state_of(std::string_view body, std::string* error);

/// Query and read in one.
std::optional<server_activity> read_server_activity(sink::clickhouse_client& ch, std::string* error);
std::optional<table_parts> read_table_parts(sink::clickhouse_client& ch, const sink::schema_names& t,
                                            std::string* error);
std::optional<write_counters> read_write_counters(sink::clickhouse_client& ch, std::string* error);
std::optional<double> read_merges_running(sink::clickhouse_client& ch, std::string* error);
std::optional<replica_state> read_replica_state(sink::clickhouse_client& ch, const sink::schema_names& t,
                                                std::string* error);

}  // namespace tracepipe::observe

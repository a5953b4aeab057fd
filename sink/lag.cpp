#include "sink/lag.hpp"

#include <sstream>

namespace tracepipe::sink {

std::optional<lag_summary> query_lag(clickhouse_client& client, const schema_names& names, long long seconds,
                                     std::string& error) {
  auto r = client.query(lag_query(names, seconds));
  if (r.kind != failure::none) {
    error = r.message;
    return std::nullopt;
  }
  lag_summary s;
  std::istringstream in(r.body);
  if (!(in >> s.rows >> s.p50_ms >> s.p90_ms >> s.p99_ms >> s.max_ms)) {
    // quantile() of no rows is nan on some versions; count() alone is then enough.
    std::istringstream again(r.body);
    if (!(again >> s.rows) || s.rows != 0) {
      error = "unexpected answer from ClickHouse: " + r.body;
      return std::nullopt;
    }
  }
  return s;
}

}  // namespace tracepipe::sink

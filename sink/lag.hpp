#pragma once
// received → inserted lag as ClickHouse itself records it: inserted_at is
// stamped by the server (MATERIALIZED column; on a replicated table before
// 22.2, the batch's first send — sink/schema.cpp says why), received_at by ingest.
#include <cstdint>
#include <optional>
#include <string>

#include "sink/clickhouse_client.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

struct lag_summary {
  std::uint64_t rows = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};

/// Over rows received in the last `seconds`. On servers before 20.5
/// inserted_at has whole-second precision (a row may look inserted before it
/// was received: such lags count as 0). nullopt with `error` set on failure.
std::optional<lag_summary> query_lag(clickhouse_client& client, const schema_names& names, long long seconds,
                                     std::string& error);

}  // namespace tracepipe::sink

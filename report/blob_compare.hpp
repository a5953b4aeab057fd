#pragma once
// `tracepipe compare blob-vs-inline`'s result: the same seeded load run on
// each side — payloads inline (blob mode never), large ones offloaded to S3
// (auto, LangSmith's), and every entry stored in S3 first (ingest.mode
// s3-first, Langfuse's) — each side's figures in one table with its ratio
// to the first side, rendered for the terminal, as compare.json and as one
// HTML page with the runs' charts overlaid.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "report/report_files.hpp"

namespace tracepipe::report {

/// One side's figures by key (blob_figures below); a missing key was not measured.
struct blob_side {
  std::string name;       ///< "inline", "blob" or "s3-first"
  std::string blob_mode;  ///< worker.blob_mode it ran with
  std::string ingest_mode = "direct";  ///< ingest.mode it ran with
  std::map<std::string, double, std::less<>> figures;
  timeseries_table timeseries;  ///< its steady run's timeseries.csv

  std::optional<double> figure(std::string_view key) const;
  /// "blob (blob auto)", "s3-first (s3-first, blob never)": the name and how it ran.
  std::string label() const;
};

struct blob_figure {
  std::string_view key;    ///< in compare.json
  std::string_view label;  ///< in the table
  std::string_view unit;
};

/// Every figure compared, in table order.
inline constexpr blob_figure blob_figures[] = {
    {"achieved_rate", "offered load achieved", "runs/s"},
    {"runs_accepted", "runs accepted", "runs"},
    {"lost", "lost", "operations"},
    {"lag_p50_ms", "lag p50 (received → inserted)", "ms"},
    {"lag_p99_ms", "lag p99 (received → inserted)", "ms"},
    {"visible_p50_ms", "visibility p50 (sent → found by a SELECT, 2 probes/s)", "ms"},
    {"visible_p99_ms", "visibility p99", "ms"},
    {"insert_p50_ms", "ClickHouse INSERT p50", "ms"},
    {"insert_p99_ms", "ClickHouse INSERT p99", "ms"},
    {"max_sustained_rows_per_s", "max sustainable rate (best 5 s of rows inserted under overload)", "rows/s"},
    {"overload_backlog_max", "backlog peak under that overload", "entries"},
    {"clickhouse_inserted_mib", "ClickHouse bytes inserted (uncompressed)", "MiB"},
    {"clickhouse_written_mib", "ClickHouse bytes inserts wrote to disk (compressed)", "MiB"},
    {"clickhouse_disk_mib", "table on disk (active parts)", "MiB"},
    {"inserts", "INSERTs (batches)", "INSERTs"},
    {"parts_created", "parts created (active + outdated listed)", "parts"},
    {"parts_peak", "peak active parts (one partition)", "parts"},
    {"merged_mib", "merged bytes (uncompressed)", "MiB"},
    {"merge_ms", "time spent merging", "ms"},
    {"redis_memory_peak_mib", "Redis memory peak above its start", "MiB"},
    {"s3_puts", "S3 PUTs (ingest's and the workers')", "PUTs"},
    {"s3_mib", "S3 bytes written", "MiB"},
    {"s3_gets", "S3 GETs (workers reading entries stored first)", "GETs"},
};

/// The terminal table: figure, unit, each side, then each later side ÷ the first.
std::string blob_compare_table(std::span<const blob_side> sides);

/// compare.json: {"config": <config>, "sides": {"inline": {...}, "blob":
/// {...}, …}, "ratio_blob_over_inline": {...}, …} (each later side over the
/// first); figures not measured are null.
std::string blob_compare_json(std::span<const blob_side> sides, const boost::json::object& config);

/// One self-contained page: the table, then each chart with every run overlaid.
std::string blob_compare_html(std::span<const blob_side> sides, std::string_view title);

}  // namespace tracepipe::report
